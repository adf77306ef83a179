// Package devauth mints and verifies the HS256 tokens of local runs. It
// stands in for API Gateway's JWT authorizer, which verifies real tokens
// before a deployed function runs: the local server hands the handlers the
// same claims.
package devauth

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// DefaultSecret signs dev tokens when LOCAL_JWT_SECRET is not set. It is a
// development secret, published here on purpose: the local server is for
// laptops.
const DefaultSecret = "local-dev-secret"

// SecretFromEnv is $LOCAL_JWT_SECRET, or DefaultSecret.
func SecretFromEnv() []byte {
	if s := os.Getenv("LOCAL_JWT_SECRET"); s != "" {
		return []byte(s)
	}
	return []byte(DefaultSecret)
}

// Verifier checks `Authorization: Bearer <token>` against a shared secret.
// It implements api.FrontDoor.
type Verifier struct {
	Secret []byte
}

// Claims returns the claims of a valid, unexpired HS256 token.
func (v Verifier) Claims(r *http.Request) (map[string]any, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, errors.New("devauth: no bearer token")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(strings.TrimSpace(token), claims, func(*jwt.Token) (any, error) { return v.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// RequestID returns a fresh id: locally there is no gateway to assign one.
func (Verifier) RequestID(*http.Request) string { return uuid.NewString() }

// Mint returns a token for user sub, granting tenants in tenantClaim, valid for ttl.
func Mint(secret []byte, sub, tenantClaim string, tenants []string, ttl time.Duration) (string, error) {
	now := time.Now()
	var granted any = tenants
	if len(tenants) == 1 {
		granted = tenants[0]
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub":       sub,
		tenantClaim: granted,
		"iat":       now.Unix(),
		"exp":       now.Add(ttl).Unix(),
	}).SignedString(secret)
}
