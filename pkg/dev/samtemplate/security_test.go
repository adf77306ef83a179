package samtemplate_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/samtemplate"
)

// TestTemplateIsLockedDown reviews the template for what a security review
// asks: no wildcard in any IAM statement, throttling and the JWT authorizer
// on every route, point-in-time recovery, log retention.
func TestTemplateIsLockedDown(t *testing.T) {
	tpl, err := samtemplate.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range tpl.Resources {
		props := string(r.Properties)
		if strings.Contains(props, `"*"`) && r.Type != "AWS::Serverless::HttpApi" {
			t.Errorf("%s: a wildcard in %s", id, props)
		}
		switch r.Type {
		case "AWS::Serverless::Function":
			var fn struct {
				Policies []json.RawMessage
				Events   map[string]struct{ Properties map[string]any }
			}
			json.Unmarshal(r.Properties, &fn)
			for _, p := range fn.Policies {
				if !strings.HasPrefix(string(p), `{"Statement":`) {
					t.Errorf("%s: policy %s is not an explicit statement list (SAM policy templates grant more)", id, p)
				}
			}
			for name, ev := range fn.Events {
				if _, ok := ev.Properties["Auth"]; ok {
					t.Errorf("%s: event %s overrides the default JWT authorizer", id, name)
				}
				if _, ok := ev.Properties["RouteSettings"]; ok {
					t.Errorf("%s: event %s overrides the default throttling", id, name)
				}
			}
		case "AWS::Serverless::HttpApi":
			var api struct {
				Auth                 struct{ DefaultAuthorizer string }
				DefaultRouteSettings struct{ ThrottlingRateLimit, ThrottlingBurstLimit any }
			}
			json.Unmarshal(r.Properties, &api)
			if api.Auth.DefaultAuthorizer != "JwtAuthorizer" || api.DefaultRouteSettings.ThrottlingRateLimit == nil || api.DefaultRouteSettings.ThrottlingBurstLimit == nil {
				t.Errorf("%s: every route needs the JWT authorizer and throttling: %s", id, props)
			}
		case "AWS::DynamoDB::Table":
			if !strings.Contains(props, `"PointInTimeRecoveryEnabled":true`) {
				t.Errorf("%s: point-in-time recovery is off", id)
			}
		case "AWS::Logs::LogGroup":
			if !strings.Contains(props, `"RetentionInDays"`) {
				t.Errorf("%s: logs kept forever", id)
			}
		}
	}
}

// TestNoSecretsInTheRepository looks for credentials in every file of the
// repository. The dev-token secret "local-dev-secret" is public on purpose.
// What the build and set-up put there (bin, .aws-sam, the installed tools in
// .venv and node_modules, whose examples and test keys match) is skipped.
func TestNoSecretsInTheRepository(t *testing.T) {
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	secrets := regexp.MustCompile(`AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i)aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}`)
	root := filepath.Dir(path)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin" || d.Name() == ".aws-sam" || d.Name() == ".venv" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && secrets.Match(b) {
			t.Errorf("%s holds what looks like a credential: %s", p, secrets.Find(b))
		}
		return nil
	})
}
