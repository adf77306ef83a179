// Package docs holds the service's user-facing documents: api.md, the API in
// prose, and openapi.json, the same contract for machines, embedded here so
// that the local server can serve it and the tests can hold the service to it.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the API (openapi.json).
//
//go:embed openapi.json
var OpenAPI []byte
