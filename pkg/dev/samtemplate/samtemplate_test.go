package samtemplate

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLoadExpandsIntrinsicsAndFindsTheTable(t *testing.T) {
	tpl, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	id, props, err := tpl.Table()
	if err != nil {
		t.Fatal(err)
	}
	if id != "Table" {
		t.Errorf("table logical id = %q, want Table", id)
	}
	var table struct {
		KeySchema []struct{ AttributeName, KeyType string }
	}
	if err := json.Unmarshal(props, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.KeySchema) != 2 || table.KeySchema[0].AttributeName != "pk" || table.KeySchema[1].AttributeName != "sk" {
		t.Errorf("key schema = %+v, want pk HASH, sk RANGE", table.KeySchema)
	}
	fn := string(tpl.Resources["DeleteFunction"].Properties)
	for _, want := range []string{`{"Fn::GetAtt":["Table","Arn"]}`, `{"Fn::Sub":"${Table.Arn}/index/gsi1"}`, `{"Ref":"HttpApi"}`} {
		if !strings.Contains(fn, want) {
			t.Errorf("DeleteFunction properties lack %s:\n%s", want, fn)
		}
	}
}
