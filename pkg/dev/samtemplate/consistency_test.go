package samtemplate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
)

// function is what the template says of one function.
type function struct {
	Metadata struct{ BuildMethod string }
	Props    struct {
		CodeUri, Handler, Runtime string
		Architectures             []string
		Events                    map[string]struct {
			Type       string
			Properties struct {
				ApiId        map[string]string
				Method, Path string
			}
		}
		Environment struct{ Variables map[string]any }
	}
}

// TestTemplateRoutesFunctionsAndEventsAgree holds template.yaml, the route
// table of pkg/api, functions/ and events/ to each other: a route added in
// one place and not the others fails here.
func TestTemplateRoutesFunctionsAndEventsAgree(t *testing.T) {
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(path)
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var globals struct{ Function json.RawMessage }
	b, _ := json.Marshal(tpl.Globals)
	json.Unmarshal(b, &globals)

	seen := map[api.Op]bool{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		op := api.Op(strings.ToLower(strings.TrimSuffix(id, "Function")))
		var fn function
		json.Unmarshal(r.Metadata, &fn.Metadata)
		json.Unmarshal(globals.Function, &fn.Props) // the Globals, then the function's own
		json.Unmarshal(r.Properties, &fn.Props)
		if id != strings.ToUpper(string(op[:1]))+string(op[1:])+"Function" {
			t.Errorf("%s: a function's logical id is <Op>Function", id)
		}
		if fn.Metadata.BuildMethod != "makefile" || fn.Props.CodeUri != "." || fn.Props.Handler != "bootstrap" ||
			fn.Props.Runtime != "provided.al2023" || !slices.Equal(fn.Props.Architectures, []string{"arm64"}) {
			t.Errorf("%s: build %q, CodeUri %q, Handler %q, Runtime %q, Architectures %v; want makefile, ., bootstrap, provided.al2023, [arm64]",
				id, fn.Metadata.BuildMethod, fn.Props.CodeUri, fn.Props.Handler, fn.Props.Runtime, fn.Props.Architectures)
		}
		var env []string
		for name := range fn.Props.Environment.Variables {
			env = append(env, name)
		}
		if !sameSet(env, api.Environment) {
			t.Errorf("%s: environment %v, want exactly what the code reads: %v", id, env, api.Environment)
		}
		route := routeOf(op)
		if route == nil {
			t.Errorf("%s: no route for operation %q in api.Routes", id, op)
			continue
		}
		seen[op] = true
		if len(fn.Props.Events) != 1 {
			t.Errorf("%s: %d events, want one HttpApi event", id, len(fn.Props.Events))
		}
		for _, ev := range fn.Props.Events {
			if ev.Type != "HttpApi" || ev.Properties.ApiId["Ref"] != "HttpApi" || ev.Properties.Method != route.Method || ev.Properties.Path != route.Path {
				t.Errorf("%s: event %s %s %s on %v; the route table says %s %s", id, ev.Type, ev.Properties.Method, ev.Properties.Path,
					ev.Properties.ApiId, route.Method, route.Path)
			}
		}
		main, err := os.ReadFile(filepath.Join(root, "functions", string(op), "main.go"))
		if err != nil {
			t.Errorf("%s: %v", id, err)
		} else if want := "api.Op" + strings.TrimSuffix(id, "Function"); !strings.Contains(string(main), want+")") {
			t.Errorf("functions/%s/main.go does not serve %s", op, want)
		}
		event, err := os.ReadFile(filepath.Join(root, "events", string(op)+".json"))
		var ev struct{ RouteKey string }
		if err != nil || json.Unmarshal(event, &ev) != nil || ev.RouteKey != route.Method+" "+route.Path {
			t.Errorf("events/%s.json: routeKey %q, want %q (%v)", op, ev.RouteKey, route.Method+" "+route.Path, err)
		}
	}
	for _, r := range api.Routes {
		if !seen[r.Op] {
			t.Errorf("route %s %s (%s) has no function in template.yaml", r.Method, r.Path, r.Op)
		}
	}
	dirs, _ := os.ReadDir(filepath.Join(root, "functions"))
	for _, d := range dirs {
		if d.IsDir() && !seen[api.Op(d.Name())] {
			t.Errorf("functions/%s has no function in template.yaml", d.Name())
		}
	}
	events, _ := filepath.Glob(filepath.Join(root, "events", "*.json"))
	for _, e := range events {
		if name := strings.TrimSuffix(filepath.Base(e), ".json"); name != "env" && !seen[api.Op(name)] {
			t.Errorf("events/%s.json has no function in template.yaml", name)
		}
	}
}

func routeOf(op api.Op) *api.Route {
	for _, r := range api.Routes {
		if r.Op == op {
			return &r
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
