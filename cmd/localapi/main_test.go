package main

import (
	"os"
	"testing"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
)

// TestMain runs the test binary as the local server itself when
// LOCALAPI_TEST_MAIN is set (the browser test starts it so, as make run
// would), and otherwise the tests, with a DynamoDB engine for those that
// need one.
func TestMain(m *testing.M) {
	if os.Getenv("LOCALAPI_TEST_MAIN") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(dynamotest.RunTests(m))
}
