// Package faultproxy stands between the service and its DynamoDB engine and
// misbehaves on purpose: it answers errors, throttles, hangs, resets
// connections or adds latency, so tests and benchmarks can see what the
// service does when the engine does.
package faultproxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the proxy does to a request instead of (or besides)
// forwarding it.
type Fault struct {
	// Operation limits the fault to one DynamoDB operation
	// ("TransactWriteItems"); empty means every operation.
	Operation string
	// Times limits how many requests it hits; 0 means all.
	Times int64
	// Status and Type, when Status is set, answer a DynamoDB error of that
	// HTTP status and __type (e.g. 400 "ThrottlingException") without
	// forwarding.
	Status int
	Type   string
	// Hang holds the request without answering until the client gives up.
	Hang bool
	// Reset closes the connection without answering, without forwarding.
	Reset bool
	// LoseReply forwards the request, lets the engine apply it, and then
	// closes the connection instead of passing the engine's answer on: the
	// reply lost on the way back, which the SDK meets as a reset connection
	// and answers by sending the request again.
	LoseReply bool
	// Delay is added before forwarding.
	Delay time.Duration

	hits atomic.Int64
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's endpoint: point the SDK's BaseEndpoint at it.
	URL string

	srv      *httptest.Server
	mu       sync.Mutex
	faults   []*Fault
	requests atomic.Int64
	stop     chan struct{}
	closing  sync.Once
}

// Start proxies to the engine at target.
func Start(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{stop: make(chan struct{})}
	forward := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if f := p.faultFor(op); f != nil {
			if f.Delay > 0 {
				time.Sleep(f.Delay)
			}
			switch {
			case f.Status != 0:
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.Header().Set("X-Amzn-Requestid", "faultproxy")
				w.WriteHeader(f.Status)
				io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#`+f.Type+`","message":"injected by faultproxy"}`)
				return
			case f.Hang:
				select {
				case <-r.Context().Done():
				case <-p.stop:
				}
				return
			case f.LoseReply:
				forward.ServeHTTP(httptest.NewRecorder(), r)
				reset(w)
				return
			case f.Reset:
				reset(w)
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	return p, nil
}

// reset closes the client's connection abruptly (RST, not FIN).
func reset(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
		conn.Close()
	}
}

// faultFor returns the first fault that applies to op and counts the hit.
func (p *Proxy) faultFor(op string) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.Operation != "" && f.Operation != op {
			continue
		}
		if f.Times > 0 && f.hits.Load() >= f.Times {
			continue
		}
		f.hits.Add(1)
		return f
	}
	return nil
}

// Inject adds a fault; faults apply in the order they were added.
func (p *Proxy) Inject(f *Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f)
}

// Clear removes every fault.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
}

// Hits returns how many requests a fault hit.
func (f *Fault) Hits() int64 { return f.hits.Load() }

// Requests returns how many requests reached the proxy.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Close stops the proxy, releasing hung requests.
func (p *Proxy) Close() {
	p.closing.Do(func() {
		close(p.stop)
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
}
