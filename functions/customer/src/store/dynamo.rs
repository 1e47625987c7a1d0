//! The customer table in DynamoDB.
//!
//! - `customer#<id>`: `id`, `email`, `name`, `roles` (list), `password_hash`,
//!   `shipping_address` (map), `created_at`, `updated_at`.
//! - `email#<email>`: `customer_id`: makes emails unique. Both items are written in one
//!   transaction, each on the condition that it does not exist yet, so of two concurrent
//!   registrations of one email exactly one commits.
//!
//! A profile change is one conditional `UpdateItem` setting just the fields the change gives
//! (what [`crate::domain::apply_profile`] decides), not a read and a write, so that two changes
//! at once do not undo each other.

use super::{CustomerStore, StoreError};
use crate::domain::{self, Account, Address, Customer, ProfileChange};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use sagaway_shared::auth::ROLE_CUSTOMER;
use sagaway_shared::dynamo::attr::{self, Item, error_text, s};
use sagaway_shared::dynamo::get_by_pk;
use std::collections::HashMap;

fn err<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Backend(error_text(&e))
}

fn customer_pk(id: &str) -> String {
    format!("customer#{id}")
}

fn email_pk(email: &str) -> String {
    format!("email#{email}")
}

fn get_s(item: &Item, k: &str) -> Result<String, StoreError> {
    attr::get_s(item, k).map_err(|e| StoreError::Backend(e.to_string()))
}

fn address_to(a: &Address) -> AttributeValue {
    let mut m = HashMap::from([
        ("line1".to_string(), s(&a.line1)),
        ("city".to_string(), s(&a.city)),
        ("postal_code".to_string(), s(&a.postal_code)),
        ("country".to_string(), s(&a.country)),
    ]);
    if let Some(l2) = &a.line2 {
        m.insert("line2".into(), s(l2));
    }
    AttributeValue::M(m)
}

fn address_from(v: &AttributeValue) -> Option<Address> {
    let AttributeValue::M(m) = v else { return None };
    Some(Address {
        line1: get_s(m, "line1").ok()?,
        line2: get_s(m, "line2").ok(),
        city: get_s(m, "city").ok()?,
        postal_code: get_s(m, "postal_code").ok()?,
        country: get_s(m, "country").ok()?,
    })
}

fn account_from(item: &Item) -> Result<Account, StoreError> {
    // Items written before roles existed are shoppers.
    let roles = match item.get("roles") {
        Some(AttributeValue::L(l)) => l.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => vec![ROLE_CUSTOMER.to_string()],
    };
    Ok(Account {
        customer: Customer {
            id: get_s(item, "id")?,
            email: get_s(item, "email")?,
            name: get_s(item, "name")?,
            roles,
            shipping_address: item.get("shipping_address").and_then(address_from),
            created_at: get_s(item, "created_at")?,
            updated_at: get_s(item, "updated_at")?,
        },
        password_hash: get_s(item, "password_hash")?,
    })
}

fn roles_attr(roles: &[String]) -> AttributeValue {
    AttributeValue::L(roles.iter().map(s).collect())
}

fn updated_customer(out: Option<&HashMap<String, AttributeValue>>) -> Result<Customer, StoreError> {
    let item = out.ok_or_else(|| StoreError::Backend("the update returned nothing".into()))?;
    Ok(account_from(item)?.customer)
}

fn condition_failed(e: &SdkError<UpdateItemError>) -> bool {
    e.as_service_error()
        .is_some_and(UpdateItemError::is_conditional_check_failed_exception)
}

/// The customer table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, pk: String) -> Result<Option<Item>, StoreError> {
        get_by_pk(&self.client, &self.table, pk).await.map_err(err)
    }
}

impl CustomerStore for DynamoStore {
    async fn create(&self, account: &Account) -> Result<(), StoreError> {
        let c = &account.customer;
        let mut customer = Put::builder()
            .table_name(&self.table)
            .item("pk", s(customer_pk(&c.id)))
            .item("id", s(&c.id))
            .item("email", s(&c.email))
            .item("name", s(&c.name))
            .item("roles", roles_attr(&c.roles))
            .item("password_hash", s(&account.password_hash))
            .item("created_at", s(&c.created_at))
            .item("updated_at", s(&c.updated_at))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(a) = &c.shipping_address {
            customer = customer.item("shipping_address", address_to(a));
        }
        let customer = customer.build().map_err(err)?;
        let email = Put::builder()
            .table_name(&self.table)
            .item("pk", s(email_pk(&c.email)))
            .item("customer_id", s(&c.id))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(err)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(customer).build())
            .transact_items(TransactWriteItem::builder().put(email).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if email_taken(&e) => Err(StoreError::EmailTaken),
            Err(e) => Err(err(e)),
        }
    }

    async fn by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let Some(link) = self.get(email_pk(email)).await? else {
            return Ok(None);
        };
        let id = get_s(&link, "customer_id")?;
        self.by_id(&id).await
    }

    async fn by_id(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get(customer_pk(id))
            .await?
            .map(|item| account_from(&item))
            .transpose()
    }

    async fn update_profile(
        &self,
        id: &str,
        change: &ProfileChange,
        at: &str,
    ) -> Result<Customer, StoreError> {
        let mut sets = vec!["#updated_at = :now".to_string()];
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(customer_pk(id)))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":now", s(at))
            .return_values(ReturnValue::AllNew);
        if let Some(name) = &change.name {
            sets.push("#name = :name".into());
            req = req
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name));
        }
        if let Some(a) = &change.shipping_address {
            sets.push("#addr = :addr".into());
            req = req
                .expression_attribute_names("#addr", "shipping_address")
                .expression_attribute_values(":addr", address_to(a));
        }
        match req
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await
        {
            Ok(out) => updated_customer(out.attributes()),
            Err(e) if condition_failed(&e) => Err(StoreError::NotFound(id.to_string())),
            Err(e) => Err(err(e)),
        }
    }

    async fn ensure_admin(&self, admin: &Account) -> Result<Customer, StoreError> {
        match self.create(admin).await {
            Ok(()) => return Ok(admin.customer.clone()),
            Err(StoreError::EmailTaken) => {}
            Err(e) => return Err(e),
        }
        let dangling = || StoreError::Backend("an email link without its customer".into());
        let existing = self
            .by_email(&admin.customer.email)
            .await?
            .ok_or_else(dangling)?;
        let reset = domain::reset_to(&existing, admin);
        let c = &reset.customer;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(customer_pk(&c.id)))
            .condition_expression("attribute_exists(pk)")
            .update_expression(
                "SET #roles = :roles, #hash = :hash, #name = :name, #updated_at = :now",
            )
            .expression_attribute_names("#roles", "roles")
            .expression_attribute_names("#hash", "password_hash")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":roles", roles_attr(&c.roles))
            .expression_attribute_values(":hash", s(&reset.password_hash))
            .expression_attribute_values(":name", s(&c.name))
            .expression_attribute_values(":now", s(&c.updated_at))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => updated_customer(out.attributes()),
            Err(e) if condition_failed(&e) => Err(dangling()),
            Err(e) => Err(err(e)),
        }
    }
}

fn email_taken(e: &SdkError<TransactWriteItemsError>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("ConditionalCheckFailed")),
        _ => false,
    }
}
