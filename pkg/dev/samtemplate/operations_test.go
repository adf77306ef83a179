package samtemplate_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// alarm is what the template says of a CloudWatch alarm: a metric, or a
// metric math expression over metrics. Intrinsics are in their long form.
type alarm struct {
	Namespace                     any
	MetricName, ExtendedStatistic string
	Dimensions                    []dimension
	Threshold                     map[string]string
	AlarmActions, OKActions       json.RawMessage
	Metrics                       []struct {
		Expression string
		MetricStat struct {
			Metric struct {
				Namespace, MetricName any
				Dimensions            []dimension
			}
		}
	}
}

type dimension struct {
	Name  string
	Value any
}

// metrics are the metrics the alarm reads: namespace and name, their
// intrinsics written as JSON.
func (a alarm) metrics() []string {
	var out []string
	if a.MetricName != "" {
		out = append(out, text(a.Namespace)+" "+a.MetricName+" "+dimensions(a.Dimensions))
	}
	for _, m := range a.Metrics {
		if m.Expression == "" {
			out = append(out, text(m.MetricStat.Metric.Namespace)+" "+text(m.MetricStat.Metric.MetricName)+" "+dimensions(m.MetricStat.Metric.Dimensions))
		}
	}
	return out
}

func dimensions(ds []dimension) string {
	s := ""
	for _, d := range ds {
		s += d.Name + "=" + text(d.Value) + " "
	}
	return s
}

func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTheAlarmsWatchWhatTheREADMESays: the template has the alarms the
// README's Operations section explains, on the metrics the functions and
// AWS publish: the API's 5xx share and p99 latency (from the request lines'
// embedded metrics, in the MetricsNamespace parameter's namespace), the
// table's throttling, the history writer's iterator age and its failure
// queue's depth. Each takes its threshold from a parameter and notifies the
// optional AlarmTopicArn.
func TestTheAlarmsWatchWhatTheREADMESays(t *testing.T) {
	tpl, _ := loadTemplate(t)
	table, _, err := tpl.Table()
	if err != nil {
		t.Fatal(err)
	}
	namespace := `{"Ref":"MetricsNamespace"}`
	want := map[string][]string{
		"ServerErrorRateAlarm":     {namespace + " requests status_class=5xx ", namespace + " requests status_class=4xx ", namespace + " requests status_class=2xx "},
		"LatencyP99Alarm":          {namespace + " latency_ms "},
		"DynamoDBThrottleAlarm":    {`AWS/DynamoDB ReadThrottleEvents TableName={"Ref":"` + table + `"} `, `AWS/DynamoDB WriteThrottleEvents TableName={"Ref":"` + table + `"} `},
		"HistoryIteratorAgeAlarm":  {`AWS/Lambda IteratorAge FunctionName={"Ref":"HistoryWriterFunction"} `},
		"HistoryFailureQueueAlarm": {`AWS/SQS ApproximateNumberOfMessagesVisible QueueName={"Fn::GetAtt":["HistoryFailureQueue","QueueName"]} `},
	}
	notify := `{"Fn::If":["HasAlarmTopic",[{"Ref":"AlarmTopicArn"}],{"Ref":"AWS::NoValue"}]}`
	for id, r := range tpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		var a alarm
		if err := json.Unmarshal(r.Properties, &a); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		metrics, ok := want[id]
		if !ok {
			t.Errorf("%s: an alarm the README does not explain", id)
			continue
		}
		delete(want, id)
		if got := a.metrics(); !slices.Equal(got, metrics) {
			t.Errorf("%s reads %q, want %q", id, got, metrics)
		}
		var param struct{ Type string }
		if json.Unmarshal(tpl.Parameters[a.Threshold["Ref"]], &param) != nil || param.Type != "Number" {
			t.Errorf("%s: Threshold %v is not a Number parameter", id, a.Threshold)
		}
		if string(a.AlarmActions) != notify || string(a.OKActions) != notify {
			t.Errorf("%s: AlarmActions %s, OKActions %s; want both %s", id, a.AlarmActions, a.OKActions, notify)
		}
	}
	for id := range want {
		t.Errorf("no %s", id)
	}
	if id := "LatencyP99Alarm"; tpl.Resources[id].Type != "" {
		var a alarm
		json.Unmarshal(tpl.Resources[id].Properties, &a)
		if a.ExtendedStatistic != "p99" {
			t.Errorf("%s: statistic %q, want p99", id, a.ExtendedStatistic)
		}
	}
	if tpl.Resources["Dashboard"].Type != "AWS::CloudWatch::Dashboard" {
		t.Error("no AWS::CloudWatch::Dashboard named Dashboard")
	}
}
