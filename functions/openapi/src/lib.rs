//! The OpenAPI 3.1 document of sagaway's public HTTP API, merged from every service's
//! annotated routes, with the security scheme, the problem responses every route can give,
//! and the servers.
//!
//! `cargo run -p sagaway-openapi --bin gen-openapi` writes `docs/openapi.json`; the test
//! `tests/committed.rs` fails when the committed file is not what this code generates, and the
//! gateway serves that file at `GET /v1/openapi.json`.
//!
//! Every operation names the Lambda function that serves it in the vendor extension
//! `x-sagaway-function`: Terraform (`infra/routes.tf`) creates the HTTP API's routes from this
//! document, so a route is declared once, in the code that serves it.

use utoipa::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, OpenApi as Doc, Ref, RefOr, Response, ResponseBuilder,
};

/// API Gateway's own answer to a request it refuses before any function runs (a secured route
/// without an `Authorization` header, throttling).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct GatewayMessage {
    #[schema(example = "Unauthorized")]
    message: String,
}

/// The document's info and shared components.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sagaway API",
        version = "1",
        description = "Serverless order processing: catalog, customers, orders run as a Temporal saga, payments (simulated provider), notifications.\n\nErrors are RFC 9457 `application/problem+json` with a stable `code`, a `detail` for people and `errors` naming every invalid field. A 401 carries `WWW-Authenticate`, a 429 or 503 `Retry-After`. Live order updates arrive over the WebSocket API (see the README: it cannot be described here).",
        license(name = "MIT")
    ),
    servers((url = "/", description = "the API's base URL (locally `http://127.0.0.1:4566/_aws/execute-api/<api id>/api`, in AWS `https://<api id>.execute-api.<region>.amazonaws.com/api`)")),
    components(schemas(sagaway_contract::Problem, sagaway_contract::FieldError, GatewayMessage)),
    tags(
        (name = "orders", description = "placing, following and cancelling orders"),
        (name = "meta", description = "health and this document"),
    )
)]
struct Base;

const PROBLEM: (&str, &str) = (sagaway_contract::problem::PROBLEM_CONTENT_TYPE, "Problem");
/// API Gateway's own answers (`{"message": …}`), which an HTTP API cannot reshape.
const GATEWAY: (&str, &str) = ("application/json", "GatewayMessage");

/// A response with these (content type, schema name) bodies.
fn response(description: &str, bodies: &[(&str, &str)]) -> RefOr<Response> {
    let mut r = ResponseBuilder::new().description(description);
    for (content_type, schema) in bodies {
        r = r.content(
            *content_type,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(*schema)))
                .build(),
        );
    }
    RefOr::T(r.build())
}

/// Adds the responses every route can give, by what it takes.
fn add_common_responses(op: &mut Operation, has_body: bool, has_path_params: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    // API Gateway's throttling answers 429 in its own format; where the function has limits of
    // its own (a problem with `Retry-After`), the response lists both.
    const THROTTLED: &str =
        "API Gateway's throttling (`{\"message\": \"Too Many Requests\"}`): slow down and retry";
    match op.responses.responses.get_mut("429") {
        Some(RefOr::T(own)) => {
            own.description = format!("{}; or {THROTTLED}", own.description);
            own.content.entry(GATEWAY.0.to_string()).or_insert_with(|| {
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(GATEWAY.1)))
                    .build()
            });
        }
        // A shared response (a reference) is left as it is.
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses
                .responses
                .insert("429".to_string(), response(THROTTLED, &[GATEWAY]));
        }
    }
    let mut add = |status: &str, description: &str, bodies: &[(&str, &str)]| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| response(description, bodies));
    };
    if has_body {
        add("400", "`malformed_json`: the body is not JSON", &[PROBLEM]);
        add(
            "413",
            "`body_too_large`: the body is larger than 64 KiB",
            &[PROBLEM],
        );
        add(
            "415",
            "`unsupported_media_type`: send `Content-Type: application/json`",
            &[PROBLEM],
        );
        add(
            "422",
            "`invalid_body` (a missing field or a wrong type, named in `errors`) or `validation_failed` (every invalid field in `errors`)",
            &[PROBLEM],
        );
    }
    if has_path_params {
        add("404", "not found", &[PROBLEM]);
    }

    if secured {
        // Without an Authorization header API Gateway answers by itself, in its own format.
        add(
            "401",
            "`invalid_token`, `token_expired`, `unauthenticated`: log in (`POST /v1/auth/login`); `WWW-Authenticate` says why. Without an `Authorization` header API Gateway itself answers `{\"message\": \"Unauthorized\"}` as `application/json`.",
            &[PROBLEM, GATEWAY],
        );
    }
}

/// The vendor extension naming the function that serves an operation (as Terraform names it:
/// the service, or `gateway`).
pub const FUNCTION_EXTENSION: &str = "x-sagaway-function";

/// Each function's annotated routes, by the function's name.
fn parts() -> [(&'static str, Doc); 6] {
    [
        ("customer", customer::http::ApiDoc::openapi()),
        ("inventory", inventory::http::ApiDoc::openapi()),
        ("gateway", gateway::http::ApiDoc::openapi()),
        ("order", order::http::ApiDoc::openapi()),
        ("notification", notification::http::ApiDoc::openapi()),
        ("payment", payment::http::ApiDoc::openapi()),
    ]
}

/// The operations of a path item, whatever their method.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The whole document.
pub fn document() -> Doc {
    let mut doc = Base::openapi();
    for (function, mut part) in parts() {
        for item in part.paths.paths.values_mut() {
            for op in operations_mut(item) {
                op.extensions
                    .get_or_insert_with(Extensions::default)
                    .insert(FUNCTION_EXTENSION.to_string(), function.into());
            }
        }
        doc.merge(part);
    }
    let components = doc
        .components
        .get_or_insert_with(|| ComponentsBuilder::new().build());
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "The `token.token` of `POST /v1/auth/login` (EdDSA JWT, 15 minutes; refresh with `POST /v1/auth/refresh`)",
                ))
                .build(),
        ),
    );
    for item in doc.paths.paths.values_mut() {
        let path_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
        for op in operations_mut(item) {
            let has_body = op.request_body.is_some();
            let has_path_params = path_params
                || op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
                });
            add_common_responses(op, has_body, has_path_params);
        }
    }
    doc
}

/// The document as the committed, pretty-printed JSON text (with a final newline).
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation_count(doc: &mut Doc) -> usize {
        doc.paths
            .paths
            .values_mut()
            .map(|item| operations_mut(item).count())
            .sum()
    }

    /// Merging keeps the first of two operations on the same method and path; the second
    /// function's route would then be deployed nowhere.
    #[test]
    fn no_two_functions_claim_one_operation() {
        let claimed: usize = parts()
            .iter_mut()
            .map(|(_, part)| operation_count(part))
            .sum();
        assert_eq!(operation_count(&mut document()), claimed);
    }
}
