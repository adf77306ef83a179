package streampoller

import (
	"testing"
	"time"
)

// SetMaxRecordAge sets the age at which a failing record is dropped, for
// the test.
func SetMaxRecordAge(t *testing.T, age time.Duration) {
	old := maxRecordAge
	maxRecordAge = age
	t.Cleanup(func() { maxRecordAge = old })
}
