package emf_test

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/emf"
	"github.com/certhub/examreg/pkg/emf/emftest"
)

// TestALogLineIsADocument: a slog JSON line carrying Attr beside the members
// it names is a valid document, and Read returns each metric once per
// dimension set, as CloudWatch extracts them.
func TestALogLineIsADocument(t *testing.T) {
	var out bytes.Buffer
	at := time.UnixMilli(1765000000123)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("request",
		"operation", "get", "status_class", "2xx", "requests", 1, "latency_ms", 12.5,
		emf.Attr(at,
			emf.Directive{Namespace: "Svc", Dimensions: [][]string{{"operation", "status_class"}, {}}, Metrics: []emf.Metric{{Name: "requests", Unit: emf.Count}}},
			emf.Directive{Namespace: "Svc", Dimensions: [][]string{{"operation"}}, Metrics: []emf.Metric{{Name: "latency_ms", Unit: emf.Milliseconds}}}))
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("not one line: %s", out.String())
	}
	values, err := emftest.Validate(out.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `"Timestamp":1765000000123`) {
		t.Errorf("timestamp: %s", out.String())
	}
	var got []string
	for _, v := range values {
		got = append(got, v.Name+dims(v.Dimensions)+"="+strconv.FormatFloat(v.Value, 'g', -1, 64))
	}
	want := "requests{operation=get,status_class=2xx}=1 requests{}=1 latency_ms{operation=get}=12.5"
	if strings.Join(got, " ") != want {
		t.Errorf("values %v, want %s", got, want)
	}
}

// TestInvalidDocuments: what the schema or the member rules refuse.
func TestInvalidDocuments(t *testing.T) {
	for name, line := range map[string]string{
		"no _aws":            `{"requests":1}`,
		"no timestamp":       `{"_aws":{"CloudWatchMetrics":[]},"requests":1}`,
		"empty namespace":    `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[[]],"Metrics":[{"Name":"requests"}]}]},"requests":1}`,
		"unknown unit":       `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"S","Dimensions":[[]],"Metrics":[{"Name":"requests","Unit":"Things"}]}]},"requests":1}`,
		"missing metric":     `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"S","Dimensions":[[]],"Metrics":[{"Name":"requests"}]}]}}`,
		"metric not number":  `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"S","Dimensions":[[]],"Metrics":[{"Name":"requests"}]}]},"requests":"1"}`,
		"dimension missing":  `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"S","Dimensions":[["operation"]],"Metrics":[{"Name":"requests"}]}]},"requests":1}`,
		"dimension a number": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"S","Dimensions":[["operation"]],"Metrics":[{"Name":"requests"}]}]},"requests":1,"operation":3}`,
	} {
		if _, err := emftest.Validate([]byte(line)); err == nil {
			t.Errorf("%s: valid: %s", name, line)
		}
	}
}

func dims(d map[string]string) string {
	var parts []string
	for _, k := range []string{"operation", "status_class"} {
		if v, ok := d[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}
