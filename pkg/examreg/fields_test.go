package examreg

import (
	"strconv"
	"strings"
	"testing"
)

// memberPaths returns n distinct dotted paths into checkout_settings.
func memberPaths(n int) []string {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = "checkout_settings.m" + strconv.Itoa(i)
	}
	return paths
}

func TestParseFields(t *testing.T) {
	long := strings.Repeat("m", 255)
	tests := []struct {
		in   string
		want []string // the paths, dotted, in order
	}{
		{"name", []string{"id", "name"}},
		{"id", []string{"id"}},
		{"name,type,id,name,type", []string{"id", "name", "type"}},
		{" name , type ", []string{"id", "name", "type"}},
		{"exam_ids,custom_field_values,checkout_settings", []string{"id", "exam_ids", "custom_field_values", "checkout_settings"}},
		{"contact_form_options.contact_form_id", []string{"id", "contact_form_options.contact_form_id"}},
		{"confirmation_email.subject,confirmation_email.body", []string{"id", "confirmation_email.subject", "confirmation_email.body"}},
		{"sys_last_security_context.user_id,sys_version", []string{"id", "sys_last_security_context.user_id", "sys_version"}},
		{"checkout_settings.bank_account_id", []string{"id", "checkout_settings.bank_account_id"}},
		{"checkout_settings.anything.deeper", []string{"id", "checkout_settings.anything.deeper"}},
		{"checkout_settings.bill-my_org.x-y.Z_9", []string{"id", "checkout_settings.bill-my_org.x-y.Z_9"}},
		{"checkout_settings." + long, []string{"id", "checkout_settings." + long}},

		// Overlapping paths: DynamoDB refuses them in one ProjectionExpression,
		// and the shorter path returns the longer one anyway.
		{"checkout_settings,checkout_settings.bank_account_id", []string{"id", "checkout_settings"}},
		{"checkout_settings.bank_account_id,checkout_settings", []string{"id", "checkout_settings"}},
		{"checkout_settings.a.b.c,name,checkout_settings.a,checkout_settings.a.d", []string{"id", "name", "checkout_settings.a"}},
		{"contact_form_options.html,contact_form_options,contact_form_options.contact_form_id", []string{"id", "contact_form_options"}},
		{"sys_last_security_context.at,sys_last_security_context", []string{"id", "sys_last_security_context"}},
		// Prefixes count by segment, not by character.
		{"checkout_settings.a,checkout_settings.ab", []string{"id", "checkout_settings.a", "checkout_settings.ab"}},
		{"checkout_settings.a,checkout_settings.ab.c", []string{"id", "checkout_settings.a", "checkout_settings.ab.c"}},
		{"checkout_settings.ab.c,checkout_settings.a", []string{"id", "checkout_settings.ab.c", "checkout_settings.a"}},
		{"name,display_in_portal_as", []string{"id", "name", "display_in_portal_as"}},

		// The limit counts every distinct path named; "id", which comes
		// with every projection, is not counted.
		{strings.Join(memberPaths(MaxFieldPaths), ","), append([]string{"id"}, memberPaths(MaxFieldPaths)...)},
		{strings.Join(append(memberPaths(MaxFieldPaths-1), memberPaths(MaxFieldPaths-1)...), ","), append([]string{"id"}, memberPaths(MaxFieldPaths-1)...)},
	}
	for _, tt := range tests {
		got, err := ParseFields(tt.in)
		if err != nil {
			t.Errorf("ParseFields(%q): %v", tt.in, err)
			continue
		}
		dotted := make([]string, len(got))
		for i, p := range got {
			dotted[i] = strings.Join(p, ".")
		}
		if !equalStrings(dotted, tt.want) {
			t.Errorf("ParseFields(%q) = %q, want %q", tt.in, dotted, tt.want)
		}
	}
}

func TestParseFieldsInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"fields: : is empty"}},
		{"name,", []string{"fields: : is empty"}},
		{"name,,type", []string{"fields: : is empty"}},
		{" , ", []string{"fields: : is empty", "fields: : is empty"}},
		{".name", []string{"fields: .name: is empty"}},
		{"checkout_settings.", []string{"fields: checkout_settings.: is empty"}},
		{"checkout_settings..a", []string{"fields: checkout_settings..a: is empty"}},
		{"nope", []string{"fields: nope: is not a field of an exam reg process"}},
		{"Name", []string{"fields: Name: is not a field of an exam reg process"}},
		{"contact_form_options.nope", []string{"fields: contact_form_options.nope: is not a field of an exam reg process"}},
		{"sys_last_security_context.user", []string{"fields: sys_last_security_context.user: is not a field of an exam reg process"}},
		{"exam_ids.0", []string{"fields: exam_ids.0: exam_ids has no members to select"}},
		{"custom_field_values.custom_field_id", []string{"fields: custom_field_values.custom_field_id: custom_field_values has no members to select"}},
		{"sys_calculated_field_errors.error", []string{"fields: sys_calculated_field_errors.error: sys_calculated_field_errors has no members to select"}},
		{"name.first", []string{"fields: name.first: name has no members to select"}},
		{"is_active.x", []string{"fields: is_active.x: is_active has no members to select"}},
		{"contact_form_options.contact_form_id.x", []string{"fields: contact_form_options.contact_form_id.x: contact_form_options.contact_form_id has no members to select"}},
		{"checkout_settings.a b", []string{"fields: checkout_settings.a b: has an invalid member name"}},
		{"checkout_settings.#a", []string{"fields: checkout_settings.#a: has an invalid member name"}},
		{"checkout_settings.a[0]", []string{"fields: checkout_settings.a[0]: has an invalid member name"}},
		{"checkout_settings.x:y", []string{"fields: checkout_settings.x:y: has an invalid member name"}},
		{"checkout_settings.ok.é", []string{"fields: checkout_settings.ok.é: has an invalid member name"}},
		{"checkout_settings." + strings.Repeat("m", 256), []string{"fields: checkout_settings." + strings.Repeat("m", 256) + ": has an invalid member name"}},
		{"nope,exam_ids.x,,name,checkout_settings.$", []string{
			"fields: nope: is not a field of an exam reg process",
			"fields: exam_ids.x: exam_ids has no members to select",
			"fields: : is empty",
			"fields: checkout_settings.$: has an invalid member name",
		}},
		{strings.Join(memberPaths(MaxFieldPaths+1), ","), []string{"fields: must name at most " + strconv.Itoa(MaxFieldPaths) + " fields"}},
		// The limit counts the paths named, before overlapping ones are dropped.
		{"checkout_settings," + strings.Join(memberPaths(MaxFieldPaths), ","), []string{"fields: must name at most " + strconv.Itoa(MaxFieldPaths) + " fields"}},
	}
	for _, tt := range tests {
		paths, err := ParseFields(tt.in)
		if paths != nil {
			t.Errorf("ParseFields(%q) returned paths with its error", tt.in)
		}
		if got := invalid(t, err); !equalStrings(got, tt.want) {
			t.Errorf("ParseFields(%.80q) fields\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
