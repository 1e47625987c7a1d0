//! Sending email: the [`Mailer`] port, Amazon SES v2 behind it ([`SesMailer`]), and an
//! in-memory fake for tests ([`MemoryMailer`]). What an email says is the domain's
//! ([`crate::domain::receipt_email`]); recipients are never logged.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use sagaway_shared::dynamo::attr::error_text;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use crate::domain::Email;
use crate::domain::without_addresses;

/// Sends one email; `Ok` holds the provider's message id, `Err` why it was not sent (no
/// recipient in it).
pub trait Mailer: Send + Sync + 'static {
    fn send(&self, email: &Email) -> impl Future<Output = Result<String, String>> + Send;
}

/// Amazon SES (v2 API), sending from one verified identity.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    from: String,
}

impl SesMailer {
    pub fn new(sdk: &aws_config::SdkConfig, from: impl Into<String>) -> Self {
        Self {
            client: Client::new(sdk),
            from: from.into(),
        }
    }
}

fn utf8(text: &str) -> Result<Content, String> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| e.to_string())
}

impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, String> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.body)?).build())
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| without_addresses(&error_text(&e)))?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }
}

/// Keeps the emails it is given, or refuses every one (`failing`), for tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<Email>>>,
    failing: bool,
}

impl MemoryMailer {
    pub fn new() -> Self {
        Self::default()
    }

    /// A mailer whose every send fails.
    pub fn failing() -> Self {
        Self {
            failing: true,
            ..Self::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Email>> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every email sent so far, oldest first.
    pub fn sent(&self) -> Vec<Email> {
        self.lock().clone()
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, email: &Email) -> Result<String, String> {
        if self.failing {
            return Err("the mail provider refused the message".into());
        }
        let mut sent = self.lock();
        sent.push(email.clone());
        Ok(format!("m-{}", sent.len()))
    }
}
