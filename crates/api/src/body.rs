//! [`JsonObject`]: the extractor for every JSON request body. Every body the API takes is a
//! JSON object; serde would also read a struct from an array of its fields in order
//! (`["acme", "a@b.test", "pw"]` as a sign-in), which no client means. Anything but an object
//! is a 422 naming the problem, like every other body of the wrong shape.

use crate::error::{ApiError, json_error};
use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use portico_shared::FieldError;
use serde::de::DeserializeOwned;

/// A JSON object body, deserialised into `T` (limits and errors as `web::Json`'s).
pub struct JsonObject<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let web::Json(value) = value.await?;
            if !value.is_object() {
                return Err(ApiError::Validation(vec![FieldError {
                    field: "body".into(),
                    message: "the body must be a JSON object".into(),
                }])
                .into());
            }
            serde_json::from_value(value)
                .map(JsonObject)
                .map_err(|e| json_error(JsonPayloadError::Deserialize(e), &req))
        })
    }
}

/// A file's raw bytes as a request or response body (`type: string, format: binary`).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}
