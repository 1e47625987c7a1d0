//! The customer table in DynamoDB.
//!
//! - `customer#<id>`: `id`, `email`, `name`, `roles` (list), `password_hash`,
//!   `shipping_address` (map), `created_at`, `updated_at`.
//! - `email#<email>`: `customer_id`: makes emails unique (written in the same transaction).

use crate::domain::{Account, Address, Customer, CustomerError, ProfileChange, Registration};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use sagaway_shared::auth::{ROLE_ADMIN, ROLE_CUSTOMER};
use sagaway_shared::dynamo::attr::{self, Item, error_text, now, s};
use sagaway_shared::dynamo::get_by_pk;
use std::collections::HashMap;

fn err<E: std::error::Error + 'static>(e: E) -> CustomerError {
    CustomerError::Store(error_text(&e))
}

fn customer_pk(id: &str) -> String {
    format!("customer#{id}")
}

fn email_pk(email: &str) -> String {
    format!("email#{email}")
}

fn get_s(item: &Item, k: &str) -> Result<String, CustomerError> {
    attr::get_s(item, k).map_err(|e| CustomerError::Store(e.to_string()))
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

fn account_from(item: &Item) -> Result<Account, CustomerError> {
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

/// The customer table.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, pk: String) -> Result<Option<Item>, CustomerError> {
        get_by_pk(&self.client, &self.table, pk).await.map_err(err)
    }

    /// Creates an account; `EmailTaken` when the email is in use.
    pub async fn create(
        &self,
        reg: &Registration,
        password_hash: &str,
        roles: &[String],
    ) -> Result<Customer, CustomerError> {
        let id = uuid::Uuid::new_v4().to_string();
        let at = now();
        let customer = Put::builder()
            .table_name(&self.table)
            .item("pk", s(customer_pk(&id)))
            .item("id", s(&id))
            .item("email", s(&reg.email))
            .item("name", s(&reg.name))
            .item("roles", roles_attr(roles))
            .item("password_hash", s(password_hash))
            .item("created_at", s(&at))
            .item("updated_at", s(&at))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(err)?;
        let email = Put::builder()
            .table_name(&self.table)
            .item("pk", s(email_pk(&reg.email)))
            .item("customer_id", s(&id))
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
            Ok(_) => Ok(Customer {
                id,
                email: reg.email.clone(),
                name: reg.name.clone(),
                roles: roles.to_vec(),
                shipping_address: None,
                created_at: at.clone(),
                updated_at: at,
            }),
            Err(e) if email_taken(&e) => Err(CustomerError::EmailTaken),
            Err(e) => Err(err(e)),
        }
    }

    /// The account with this (normalized) email.
    pub async fn by_email(&self, email: &str) -> Result<Option<Account>, CustomerError> {
        let Some(link) = self.get(email_pk(email)).await? else {
            return Ok(None);
        };
        let id = get_s(&link, "customer_id")?;
        self.by_id(&id).await
    }

    pub async fn by_id(&self, id: &str) -> Result<Option<Account>, CustomerError> {
        self.get(customer_pk(id))
            .await?
            .map(|item| account_from(&item))
            .transpose()
    }

    /// Applies a profile change.
    pub async fn update_profile(
        &self,
        id: &str,
        change: &ProfileChange,
    ) -> Result<Customer, CustomerError> {
        let mut sets = vec!["#updated_at = :now".to_string()];
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(customer_pk(id)))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":now", s(now()))
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
        let result = req
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out
                    .attributes()
                    .ok_or_else(|| CustomerError::Store("update returned nothing".into()))?;
                Ok(account_from(item)?.customer)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(CustomerError::NotFound(id.to_string()))
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Makes sure an admin account with this email and password exists (the demo admin).
    pub async fn ensure_admin(
        &self,
        reg: &Registration,
        password_hash: &str,
    ) -> Result<Customer, CustomerError> {
        let roles = vec![ROLE_CUSTOMER.to_string(), ROLE_ADMIN.to_string()];
        match self.create(reg, password_hash, &roles).await {
            Ok(c) => Ok(c),
            Err(CustomerError::EmailTaken) => {
                let account = self
                    .by_email(&reg.email)
                    .await?
                    .ok_or_else(|| CustomerError::Store("email link without customer".into()))?;
                let out = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(customer_pk(&account.customer.id)))
                    .update_expression(
                        "SET #roles = :roles, #hash = :hash, #name = :name, #updated_at = :now",
                    )
                    .expression_attribute_names("#roles", "roles")
                    .expression_attribute_names("#hash", "password_hash")
                    .expression_attribute_names("#name", "name")
                    .expression_attribute_names("#updated_at", "updated_at")
                    .expression_attribute_values(":roles", roles_attr(&roles))
                    .expression_attribute_values(":hash", s(password_hash))
                    .expression_attribute_values(":name", s(&reg.name))
                    .expression_attribute_values(":now", s(now()))
                    .return_values(ReturnValue::AllNew)
                    .send()
                    .await
                    .map_err(err)?;
                let item = out
                    .attributes()
                    .ok_or_else(|| CustomerError::Store("update returned nothing".into()))?;
                Ok(account_from(item)?.customer)
            }
            Err(e) => Err(e),
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
