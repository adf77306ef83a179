package api

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/certhub/examreg/pkg/emf"
	"github.com/certhub/examreg/pkg/store"
)

// metricDirectives are the directives of an operation's log line: its
// metrics, each a member of the line. Every dimension set a metric is
// extracted for is a metric CloudWatch bills, so each has only the sets the
// dashboard and alarms read: requests per operation and status class (and
// each alone, for the service's error rate); latency per operation and for
// the service (percentiles do not add up); DynamoDB's figures and a batch's
// operations per operation.
type metricDirectives struct {
	plain, batch, wholeTenant []emf.Directive
}

// newMetricDirectives builds the directives once per Server. (Built here,
// not as package variables: a package variable initialised at run time
// would make the route table, and with it every operation's code, part of
// every function's binary.)
func newMetricDirectives(namespace string) metricDirectives {
	if namespace == "" {
		namespace = emf.DefaultNamespace
	}
	usage := []emf.Metric{
		{Name: "ddb_requests", Unit: emf.Count},
		{Name: "ddb_read_units", Unit: emf.Count},
		{Name: "ddb_write_units", Unit: emf.Count},
		{Name: "ddb_retries", Unit: emf.Count},
		{Name: "conflicts_retried", Unit: emf.Count},
	}
	batch := append(usage[:len(usage):len(usage)],
		emf.Metric{Name: "batch_operations", Unit: emf.Count},
		emf.Metric{Name: "batch_failures", Unit: emf.Count})
	directives := func(usage []emf.Metric, latency [][]string) []emf.Directive {
		return []emf.Directive{
			{Namespace: namespace, Dimensions: [][]string{{"operation", "status_class"}, {"operation"}, {"status_class"}},
				Metrics: []emf.Metric{{Name: "requests", Unit: emf.Count}}},
			{Namespace: namespace, Dimensions: latency,
				Metrics: []emf.Metric{{Name: "latency_ms", Unit: emf.Milliseconds}}},
			{Namespace: namespace, Dimensions: [][]string{{"operation"}}, Metrics: usage},
		}
	}
	service := [][]string{{"operation"}, {}}
	return metricDirectives{
		plain:       directives(usage, service),
		batch:       directives(batch, service),
		wholeTenant: directives(usage, [][]string{{"operation"}}),
	}
}

// batchCount is what a batch request did, for its metrics.
type batchCount struct{ operations, failures int }

// countBatch records the batch's results for the request's metrics.
func (c *call) countBatch(results []batchResult) {
	c.batch = &batchCount{operations: len(results)}
	for _, r := range results {
		if r.Status != 200 {
			c.batch.failures++
		}
	}
}

// metricAttrs are the members that make a request's log line an embedded
// metric format document, beside latency_ms and ddb_requests, which the line
// carries anyway. The router's own 404 and 405 (no operation) have none:
// they are no operation's, and on AWS API Gateway answers them.
func (s *Server) metricAttrs(c *call, status int, start time.Time, usage store.Usage) []slog.Attr {
	if c.op == "" {
		return nil
	}
	directives := s.metrics.plain
	attrs := []slog.Attr{
		slog.String("status_class", strconv.Itoa(status/100)+"xx"),
		slog.Int("requests", 1),
		slog.Float64("ddb_read_units", usage.ReadUnits),
		slog.Float64("ddb_write_units", usage.WriteUnits),
		slog.Int("ddb_retries", usage.Retries),
		slog.Int("conflicts_retried", usage.ConflictsRetried),
	}
	if c.op.wholeTenant() {
		directives = s.metrics.wholeTenant
	}
	if c.batch != nil {
		directives = s.metrics.batch
		attrs = append(attrs, slog.Int("batch_operations", c.batch.operations), slog.Int("batch_failures", c.batch.failures))
	}
	return append(attrs, emf.Attr(start, directives...))
}
