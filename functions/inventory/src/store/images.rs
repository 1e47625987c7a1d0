//! Where uploaded product images go: the port ([`ImageStore`]) and its two adapters,
//! [`S3Images`] (the web app's site bucket, under [`crate::domain::UPLOADS_PREFIX`]) and
//! [`MemoryImages`] (for tests).
//!
//! An image's key is named by its bytes ([`crate::domain::image_key`]), so writing it twice
//! writes the same object: an upload that is repeated is safe.

use super::StoreError;
use crate::domain::{IMAGE_CACHE_CONTROL, Image};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use sagaway_shared::dynamo::attr::error_text;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Stores uploaded images where the web app serves them from.
pub trait ImageStore: Clone + Send + Sync + 'static {
    /// Writes `image` at `key` with its `Content-Type` and the immutable
    /// [`IMAGE_CACHE_CONTROL`]; overwriting the same key with the same bytes is harmless.
    fn put_image(
        &self,
        key: &str,
        image: &Image,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The site bucket in S3 (`None`: this deployment stores no images, and says so).
#[derive(Clone, Debug)]
pub struct S3Images {
    client: Client,
    bucket: Option<String>,
}

impl S3Images {
    pub fn new(client: Client, bucket: Option<String>) -> Self {
        Self { client, bucket }
    }
}

impl ImageStore for S3Images {
    async fn put_image(&self, key: &str, image: &Image) -> Result<(), StoreError> {
        let bucket = self.bucket.as_deref().ok_or(StoreError::NotConfigured(
            "the inventory function has no SITE_BUCKET",
        ))?;
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(image.content_type.mime())
            .cache_control(IMAGE_CACHE_CONTROL)
            .body(ByteStream::from(image.bytes.clone()))
            .send()
            .await
            .map_err(|e| StoreError::Backend(format!("storing image {key}: {}", error_text(&e))))?;
        Ok(())
    }
}

/// One stored object of [`MemoryImages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub content_type: String,
    pub cache_control: String,
    pub bytes: Vec<u8>,
}

/// Images in memory, by key; clones share them.
#[derive(Debug, Clone, Default)]
pub struct MemoryImages {
    objects: Arc<Mutex<HashMap<String, StoredImage>>>,
}

impl MemoryImages {
    pub fn new() -> Self {
        Self::default()
    }

    /// The object at `key`, if one was stored.
    pub fn get(&self, key: &str) -> Option<StoredImage> {
        self.objects.lock().ok()?.get(key).cloned()
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.objects.lock().map(|o| o.len()).unwrap_or_default()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ImageStore for MemoryImages {
    async fn put_image(&self, key: &str, image: &Image) -> Result<(), StoreError> {
        let mut objects = self
            .objects
            .lock()
            .map_err(|_| StoreError::Backend("the memory image store's lock is poisoned".into()))?;
        objects.insert(
            key.to_string(),
            StoredImage {
                content_type: image.content_type.mime().to_string(),
                cache_control: IMAGE_CACHE_CONTROL.to_string(),
                bytes: image.bytes.clone(),
            },
        );
        Ok(())
    }
}
