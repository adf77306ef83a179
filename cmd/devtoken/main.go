// Command devtoken prints a dev token for the local server: an HS256 JWT
// signed with $LOCAL_JWT_SECRET (default "local-dev-secret") carrying sub,
// the tenant claim ($TENANT_CLAIM) and exp.
//
//	go run ./cmd/devtoken -tenant demo [-sub alice] [-ttl 24h]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/function"
)

func main() {
	tenant := flag.String("tenant", "", "tenant id to grant (comma-separated for several)")
	sub := flag.String("sub", "dev-user", "user id (sub)")
	ttl := flag.Duration("ttl", 24*time.Hour, "validity")
	flag.Parse()
	if *tenant == "" {
		fmt.Fprintln(os.Stderr, "devtoken: -tenant is required (make token TENANT=<id>)")
		os.Exit(2)
	}
	token, err := devauth.Mint(devauth.SecretFromEnv(), *sub, function.TenantClaim(), strings.Split(*tenant, ","), *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
	fmt.Println(token)
}
