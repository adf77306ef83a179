package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
)

// historyPollEvery is how often a wait for a history entry reads the
// record's history.
const historyPollEvery = 10 * time.Millisecond

// historyWrites is the number of writes the delay is measured over.
const historyWrites = 30

// historyPipeline is the local history pipeline (localenv.WriteHistory: a
// poller of the engine's stream feeding history.Writer.Handle) running on a
// service's table, with the DynamoDB requests of the writer counted by
// operation.
type historyPipeline struct {
	s        *service
	requests *opCounter
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
	lastID   string // the record writeDelays wrote last
}

// newServiceWithHistory starts a service, as newService, with the history
// pipeline running on its table at the default poll interval until stop.
func newServiceWithHistory(ctx context.Context, engine *localenv.Engine, name string) (*historyPipeline, error) {
	s, err := newService(ctx, engine, name)
	if err != nil {
		return nil, err
	}
	counter := &opCounter{}
	// A second Store on the same table: only the writer's requests are counted.
	st, _, err := engine.Table(ctx, s.store.Table(), counter.option)
	if err != nil {
		s.close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	h := &historyPipeline{s: s, requests: counter, cancel: cancel, done: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() {
		defer close(h.done)
		h.err = localenv.WriteHistory(ctx, st, localenv.HistoryPollInterval, log)
	}()
	return h, nil
}

// stop ends the pipeline, waits for it and closes the service.
func (h *historyPipeline) stop() {
	h.cancel()
	<-h.done
	h.s.close()
}

// awaitEntry reads the record's newest history entry (GET …/history?limit=1)
// every historyPollEvery until it is at least version, and returns when the
// answer that showed it arrived.
func (h *historyPipeline) awaitEntry(id string, version int64) (time.Time, error) {
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(historyPollEvery)
	defer tick.Stop()
	for {
		a, err := h.s.must("GET", "/examRegProcesses/"+tenant+"/"+id+"/history?limit=1", "")
		if err != nil {
			return time.Time{}, err
		}
		seen := time.Now()
		var page []struct{ Version int64 }
		if err := json.Unmarshal(a.body, &page); err != nil {
			return time.Time{}, fmt.Errorf("history of %s: %v: %.300s", id, err, a.body)
		}
		if len(page) > 0 && page[0].Version >= version {
			return seen, nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("version %d of %s not in its history after 30 s", version, id)
		}
		select {
		case <-h.done:
			return time.Time{}, fmt.Errorf("the history pipeline stopped: %v", h.err)
		case <-tick.C:
		}
	}
}

// opCounter counts a DynamoDB client's operation calls by operation, and
// keeps the items of its PutItem calls.
type opCounter struct {
	mu   sync.Mutex
	n    map[string]int
	puts []map[string]types.AttributeValue
}

// option is a client option counting every call, before it is sent.
func (c *opCounter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchCount",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", in.Parameters), "*dynamodb."), "Input")
				c.mu.Lock()
				if c.n == nil {
					c.n = map[string]int{}
				}
				c.n[op]++
				if put, ok := in.Parameters.(*dynamodb.PutItemInput); ok {
					c.puts = append(c.puts, put.Item)
				}
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (c *opCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// putsSince returns the items put after the first n.
func (c *opCounter) putsSince(n int) []map[string]types.AttributeValue {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.puts[n:])
}

func (c *opCounter) putCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.puts)
}

// calls are the operation calls made between two snapshots.
type calls map[string]int

func callsSince(before, after map[string]int) calls {
	d := calls{}
	for op, n := range after {
		if n > before[op] {
			d[op] = n - before[op]
		}
	}
	return d
}

func (c calls) total() int {
	n := 0
	for _, k := range c {
		n += k
	}
	return n
}

func (c calls) String() string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%d %s", c[op], op))
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, " + ")
}

// historyDelay measures, with the local pipeline at its default interval,
// the time from a write's answer to its entry in the record's history.
func historyDelay(ctx context.Context, engine *localenv.Engine, r *report) error {
	h, err := newServiceWithHistory(ctx, engine, "history")
	if err != nil {
		return err
	}
	defer h.stop()
	// Writes at random moments of the poller's cycle, as a client's come, and
	// writes back to back, each as soon as the previous one's entry is in.
	delays, err := h.writeDelays(true)
	if err != nil {
		return err
	}
	spaced := r.add(newSample("HistoryDelay/writes=spaced", delays))
	if delays, err = h.writeDelays(false); err != nil {
		return err
	}
	backToBack := r.add(newSample("HistoryDelay/writes=back-to-back", delays))
	r.history = spaced
	// What one read of the history takes: the resolution of the figures.
	var reads []time.Duration
	for range 10 {
		a, err := h.s.must("GET", "/examRegProcesses/"+tenant+"/"+h.lastID+"/history?limit=1", "")
		if err != nil {
			return err
		}
		reads = append(reads, a.took)
	}
	readTime := newSample("HistoryRead", reads)
	row := func(what string, d sample) string {
		return fmt.Sprintf("| %s | **%s** %s | **%s** | %s | %s |", what, ms(d.median()), d.ci(), ms(d.quantile(0.9)), ms(d.min()), ms(d.max()))
	}
	window, err := streamBatchingWindow()
	if err != nil {
		return err
	}
	r.section("Delay from a write to its history entry", fmt.Sprintf(`
With the local pipeline running on the service's table (localenv.WriteHistory: it polls the engine's
stream, every %s once the stream is drained, and hands each batch to history.Writer.Handle, the
history writer function's handler), %d writes one at a time (%d creates, each followed by a patch of
the record), and after each, GET …/history?limit=1 every %s until the write's version is the newest
entry. From the write's answer to the answer that first showed its entry:

| writes | median | p90 | min | max |
|---|---|---|---|---|
%s
%s

Resolution: the %s cadence plus one read of the history (median %s). A write that comes while the
stream is drained waits for the next poll (0 to %s later), then the poll itself (three requests to the
stream) and the entry's conditional PutItem: that is the first row, whose writes start a random 0 to
%s after the previous entry appeared, so that they fall anywhere in the poller's cycle. Back to back,
a write comes while the poller is still busy with the previous one (the entry it wrote is itself a
stream record, so it polls again at once) and is picked up without the wait.

On AWS the delay is the stream's own (a change reaching the table's stream) plus the event source
mapping's batching window: template.yaml sets MaximumBatchingWindowInSeconds: %s, so the mapping may
wait up to that long to gather a batch before it invokes the history writer, plus the writer's run
(and its cold start when a new instance starts). None of that is measured here.`,
		wholeMS(localenv.HistoryPollInterval), historyWrites, historyWrites/2, wholeMS(historyPollEvery),
		row("at random moments", spaced), row("back to back", backToBack),
		wholeMS(historyPollEvery), ms(readTime.median()), wholeMS(localenv.HistoryPollInterval), wholeMS(localenv.HistoryPollInterval), window))
	return nil
}

// writeDelays makes historyWrites writes one at a time (a create, then a
// patch of the record it made) and returns, for each, the time from its
// answer to the answer of GET …/history that first showed its entry. When
// spaced, each write starts a random 0 to HistoryPollInterval after the
// previous entry appeared.
func (h *historyPipeline) writeDelays(spaced bool) ([]time.Duration, error) {
	var delays []time.Duration
	for i := range historyWrites {
		if spaced {
			time.Sleep(rand.N(localenv.HistoryPollInterval))
		}
		var err error
		version := int64(1)
		if i%2 == 0 {
			h.lastID, err = h.s.create(fmt.Sprint("History ", i))
		} else {
			version = 2
			_, err = h.s.must("PATCH", "/examRegProcesses/"+tenant+"/"+h.lastID, fmt.Sprintf(`[{"op":"replace","path":"/name","value":"History %d, patched"}]`, i))
		}
		answered := time.Now()
		if err != nil {
			return nil, err
		}
		seen, err := h.awaitEntry(h.lastID, version)
		if err != nil {
			return nil, err
		}
		delays = append(delays, seen.Sub(answered))
	}
	return delays, nil
}

// streamBatchingWindow is the MaximumBatchingWindowInSeconds of the
// template's DynamoDB stream event source mapping, as written there.
func streamBatchingWindow() (string, error) {
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		return "", err
	}
	for _, res := range tpl.Resources {
		var props struct {
			Events map[string]struct {
				Type       string
				Properties struct{ MaximumBatchingWindowInSeconds json.RawMessage }
			}
		}
		json.Unmarshal(res.Properties, &props)
		for _, ev := range props.Events {
			if ev.Type == "DynamoDB" && ev.Properties.MaximumBatchingWindowInSeconds != nil {
				return string(ev.Properties.MaximumBatchingWindowInSeconds), nil
			}
		}
	}
	return "", fmt.Errorf("template.yaml: no DynamoDB stream event with a MaximumBatchingWindowInSeconds")
}
