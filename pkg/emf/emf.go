// Package emf writes and reads CloudWatch embedded metric format (EMF)
// documents: JSON log lines that carry, in their "_aws" member, directives
// naming which of the line's other members CloudWatch Logs extracts as
// metrics and as their dimensions. A function's request log line becomes its
// metrics by carrying Attr beside the members the directives name: nothing
// else is sent, no agent runs.
//
// The format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package emf

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Key is the root member holding a document's metadata.
const Key = "_aws"

// DefaultNamespace is the CloudWatch namespace of the service's metrics
// when none is configured (template.yaml's MetricsNamespace parameter).
const DefaultNamespace = "ExamRegProcesses"

// Unit is a CloudWatch metric unit.
type Unit string

// The units the service's metrics use.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
)

// Metric is a MetricDefinition: the name of a root member holding a number,
// and its unit.
type Metric struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// Directive is a MetricDirective: each of its metrics is extracted once per
// dimension set, a dimension set naming the root members (strings) whose
// values are the metric's dimensions. An empty set extracts the metric
// without dimensions.
type Directive struct {
	Namespace  string     `json:"Namespace"`
	Dimensions [][]string `json:"Dimensions"`
	Metrics    []Metric   `json:"Metrics"`
}

// Metadata is the value of the Key member.
type Metadata struct {
	// Timestamp is the metrics' time, in milliseconds since the epoch.
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []Directive `json:"CloudWatchMetrics"`
}

// Attr is the Key member of a log line, for metrics measured at the given
// time. The line's other attributes must hold every member the directives
// name.
func Attr(at time.Time, directives ...Directive) slog.Attr {
	return slog.Any(Key, Metadata{Timestamp: at.UnixMilli(), CloudWatchMetrics: directives})
}

// Value is one metric value a document declares, with the dimensions of
// one of its dimension sets.
type Value struct {
	Namespace  string
	Name       string
	Unit       Unit
	Dimensions map[string]string
	Value      float64
}

// ErrNotEMF is Read's error for a JSON object without a Key member.
var ErrNotEMF = errors.New("emf: not an embedded metric format document")

// Read returns the metric values a log line declares, as CloudWatch Logs
// extracts them: one per metric and dimension set. A metric or dimension
// whose member is missing or of the wrong type is an error (CloudWatch
// would drop it); so is a metric holding an array of values, which the
// format allows but this service never writes.
func Read(line []byte) ([]Value, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, err
	}
	raw, ok := doc[Key]
	if !ok {
		return nil, ErrNotEMF
	}
	var meta Metadata
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("emf: %s: %w", Key, err)
	}
	var values []Value
	for _, d := range meta.CloudWatchMetrics {
		for _, set := range d.Dimensions {
			dims := make(map[string]string, len(set))
			for _, name := range set {
				v, ok := member[string](doc, name)
				if !ok {
					return nil, fmt.Errorf("emf: dimension %q is not a string member", name)
				}
				dims[name] = v
			}
			for _, m := range d.Metrics {
				v, ok := member[float64](doc, m.Name)
				if !ok {
					return nil, fmt.Errorf("emf: metric %q is not a number member", m.Name)
				}
				values = append(values, Value{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Dimensions: dims, Value: v})
			}
		}
	}
	return values, nil
}

// member is the root member name as a T, if it is one (not null).
func member[T string | float64](doc map[string]json.RawMessage, name string) (T, bool) {
	var v T
	raw := doc[name]
	if raw == nil || string(raw) == "null" || json.Unmarshal(raw, &v) != nil {
		return v, false
	}
	return v, true
}
