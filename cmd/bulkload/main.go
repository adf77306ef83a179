// Command bulkload loads JSON Lines files of exams, exam registrations and
// exam reg processes into the table of one tenant, setting the
// sys_bulk_load_* fields of the processes. Each file is checked whole
// before anything of it is written; a bad record is reported with its file
// and line.
//
//	go run ./cmd/bulkload -tenant acme [-table examreg] \
//	    [-exams exams.jsonl] [-processes processes.jsonl] [-registrations registrations.jsonl]
//
// It writes to table $TABLE_NAME (or -table) on the engine the AWS SDK
// finds: AWS_ENDPOINT_URL_DYNAMODB for a local one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/store"
)

func main() {
	tenant := flag.String("tenant", "", "tenant id the records belong to")
	table := flag.String("table", os.Getenv("TABLE_NAME"), "table name (default $TABLE_NAME)")
	files := map[string]*string{}
	for _, kind := range []string{bulkload.Exams, bulkload.Processes, bulkload.Registrations} {
		files[kind] = flag.String(kind, "", "JSON Lines file of "+kind)
	}
	flag.Parse()
	if *tenant == "" || *table == "" {
		fmt.Fprintln(os.Stderr, "bulkload: -tenant and -table (or $TABLE_NAME) are required")
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	// Profiles and SSO work here: the loader is an operator's tool.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	st, err := store.FromConfig(cfg, *table)
	if err != nil {
		fail(err)
	}
	l := bulkload.New(st, *tenant, os.Stderr)
	// Exams first: processes refer to them, registrations to both.
	for _, kind := range []string{bulkload.Exams, bulkload.Processes, bulkload.Registrations} {
		path := *files[kind]
		if path == "" {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			fail(err)
		}
		n, err := l.Load(ctx, kind, filepath.Base(path), f)
		f.Close()
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "%s: loaded %d %s into tenant %s (load %s)\n", path, n, kind, *tenant, l.LoadID)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
