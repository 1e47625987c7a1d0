//! The committed `docs/openapi.json` (served by the gateway) is what the code generates.

#[test]
fn committed_document_is_what_the_code_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = sagaway_openapi::document_json();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run `make openapi` (cargo run -p sagaway-openapi --bin gen-openapi) and commit it"
    );
    assert_eq!(
        gateway::http::OPENAPI_JSON,
        committed,
        "the gateway serves the committed file; rebuild it"
    );
}

#[test]
fn document_is_openapi_3_1_with_every_public_route() {
    let doc: serde_json::Value = serde_json::from_str(&sagaway_openapi::document_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/orders",
        "/v1/orders/{id}/saga",
        "/v1/orders/{id}/cancel",
        "/v1/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // One path, two functions: Terraform routes each method to the function named here.
    assert_eq!(
        doc["paths"]["/v1/orders"]["post"]["x-sagaway-function"],
        "gateway"
    );
    assert_eq!(
        doc["paths"]["/v1/orders"]["get"]["x-sagaway-function"],
        "order"
    );
    // Every secured operation documents 401, and every error is a problem.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            assert!(
                op["x-sagaway-function"].is_string(),
                "{method} {path} names no function (x-sagaway-function): Terraform cannot route it"
            );
            if op["security"].is_array() {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            for (status, r) in responses {
                // Every error of ours is a problem; only API Gateway's throttling is not.
                if (status.starts_with('4') || status.starts_with('5')) && status != "429" {
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not a problem"
                    );
                }
            }
        }
    }
}
