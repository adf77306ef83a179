// Package lambdahttp runs an http.Handler as an AWS Lambda function behind an
// API Gateway HTTP API (payload format 2.0). It is the only importer of
// aws-lambda-go-api-proxy, which is archived upstream: this small seam is
// what would change to swap in another adapter.
package lambdahttp

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Start runs h for every invocation of the function; it does not return.
func Start(h http.Handler) {
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// Invoke runs one event through h exactly as Start does for an invocation.
func Invoke(ctx context.Context, h http.Handler, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(h).ProxyWithContext(ctx, event)
}

// Gateway hands the handlers what API Gateway established about a request:
// the claims its JWT authorizer verified and its request id. It implements
// api.FrontDoor.
type Gateway struct{}

// Claims returns the JWT authorizer's claims. API Gateway passes every claim
// as a string (an array claim as "[a b]").
func (Gateway) Claims(r *http.Request) (map[string]any, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil || len(rc.Authorizer.JWT.Claims) == 0 {
		return nil, errors.New("lambdahttp: the request carries no JWT authorizer claims")
	}
	claims := make(map[string]any, len(rc.Authorizer.JWT.Claims))
	for k, v := range rc.Authorizer.JWT.Claims {
		claims[k] = v
	}
	return claims, nil
}

// RequestID returns API Gateway's request id.
func (Gateway) RequestID(r *http.Request) string {
	rc, _ := core.GetAPIGatewayV2ContextFromContext(r.Context())
	return rc.RequestID
}
