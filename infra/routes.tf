# The HTTP API's routes come from one source: docs/openapi.json, which `make openapi`
# generates from the handlers' annotations. Every operation becomes the route "METHOD /path"
# (OpenAPI's {id} parameters are already API Gateway's), sent to the function its
# x-sagaway-function names, behind the JWT authorizer (auth.tf) when the operation has a
# security requirement and public otherwise; the functions check roles themselves.
# The WebSocket API's routes are in websocket.tf.

locals {
  openapi      = jsondecode(file("${path.module}/../docs/openapi.json"))
  http_methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

  http_routes = merge([
    for path, item in local.openapi.paths : {
      for method, op in item : "${upper(method)} ${path}" => {
        path          = path
        function      = try(op["x-sagaway-function"], "")
        authorization = length(try(op.security, [])) > 0 ? "jwt" : "none"
      } if contains(local.http_methods, method)
    }
  ]...)

  routed_functions = concat(keys(local.services), ["gateway"])

  # Checked at plan time, before anything is deployed (the HTTP stage in main.tf).
  unroutable = [
    for key, r in local.http_routes : key
    if !contains(local.routed_functions, r.function) || !can(regex("^(/[A-Za-z0-9._~-]+|/\\{[A-Za-z_][A-Za-z0-9_]*\\})+$", r.path))
  ]

  routes_by_function = {
    for f in local.routed_functions : f => {
      for key, r in local.http_routes : key => r.authorization if r.function == f
    }
  }
}
