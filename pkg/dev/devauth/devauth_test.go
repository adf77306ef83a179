package devauth

import (
	"net/http"
	"testing"
	"time"
)

func TestMintedTokensVerify(t *testing.T) {
	v := Verifier{Secret: []byte("s")}
	tok, err := Mint(v.Secret, "alice", "tenants", []string{"t1", "t2"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, header := range []string{"Bearer " + tok, "bearer " + tok} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", header)
		claims, err := v.Claims(r)
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		if claims["sub"] != "alice" || len(claims["tenants"].([]any)) != 2 {
			t.Errorf("claims %v", claims)
		}
	}
	one, _ := Mint(v.Secret, "bob", "tenants", []string{"t1"}, time.Hour)
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+one)
	if claims, err := v.Claims(r); err != nil || claims["tenants"] != "t1" {
		t.Errorf("single tenant claims %v, %v", claims, err)
	}
}

func TestBadTokensAreRefused(t *testing.T) {
	v := Verifier{Secret: []byte("s")}
	expired, _ := Mint(v.Secret, "alice", "t", []string{"t1"}, -time.Second)
	other, _ := Mint([]byte("other"), "alice", "t", []string{"t1"}, time.Hour)
	for name, header := range map[string]string{
		"none": "", "basic": "Basic abc", "empty bearer": "Bearer ", "garbage": "Bearer x.y.z",
		"expired": "Bearer " + expired, "wrong secret": "Bearer " + other,
		"alg none": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhIiwiZXhwIjo5OTk5OTk5OTk5fQ.",
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		if _, err := v.Claims(r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
