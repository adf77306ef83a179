package main

import (
	"fmt"
	"strings"
	"time"
)

// glance is the opening section: what a user deploying the service wants to
// know (latency, DynamoDB requests and cost), with the charts.
func (r *report) glance(charts string, files chartFiles) string {
	var warm, costs []string
	for _, s := range r.warm {
		function := strings.TrimPrefix(s.name, "Warm/function=")
		if function == bareSDK {
			function = "(floor: one bare SDK GetItem)"
		}
		warm = append(warm, fmt.Sprintf("| %s | %s | %s |", function, ms(s.median()), ms(s.quantile(0.99))))
	}
	for _, c := range r.costs {
		costs = append(costs, fmt.Sprintf("| %s | %d | $%.2f |", c.op, c.got, c.dollars()))
	}
	var floor, fastest, slowest time.Duration
	var slowestName string
	for _, c := range r.cold {
		switch c.function {
		case helloWorld:
			floor = c.median()
		case bareSDK:
		default:
			if fastest == 0 || c.median() < fastest {
				fastest = c.median()
			}
			if c.median() > slowest {
				slowest, slowestName = c.median(), c.function
			}
		}
	}
	return fmt.Sprintf(`## What to expect from a deployment

**Latency.** A warm request, end to end through the Lambda runtime (the Runtime Interface Emulator)
with DynamoDB on the same machine:

| function | median | p99 |
|---|---|---|
%[1]s

![Warm latency, median and p99](%[4]s/%[5]s)

On AWS, add API Gateway's own latency and, per DynamoDB request in the cost table below, a network
round trip to DynamoDB within the region (typically a few milliseconds; patch makes two, one after the
other). The local engine here (moto, served one request at a time) is slower than DynamoDB for large
requests and queries.

**Cold start.** A new instance answers its first request after its cold start: %[2]s to %[3]s here (%[9]s
the slowest), against %[10]s for a hello-world function. On Lambda the init also makes the TLS handshake
with DynamoDB and loads the credentials, which a local run does not; each function's warm-up read at
init keeps that out of the first request.

![Cold start of every function against the floors](%[4]s/%[6]s)

**DynamoDB requests and cost.** Each API request makes a bounded number of DynamoDB requests; each
write to a record also costs a history entry, written by the history writer from the table's stream.
On-demand prices in us-east-1; item sizes as measured below:

| operation | DynamoDB requests | $ per million |
|---|---|---|
%[11]s

![DynamoDB requests per operation](%[4]s/%[7]s)
![On-demand cost per million requests](%[4]s/%[8]s)

**Change history.** A write's entry appears in GET …/history about %[12]s after the write answers
here (median); on AWS the stream and its event source mapping's batching window (up to 1 s) come
instead of the local poller.
`, strings.Join(warm, "\n"), ms(fastest), ms(slowest), charts, files.warm, files.coldStart, files.requests, files.cost,
		slowestName, ms(floor), strings.Join(costs, "\n"), ms(r.history.median()))
}
