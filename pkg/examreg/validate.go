package examreg

import (
	"github.com/certhub/examreg/pkg/jsondoc"
	"slices"
	"strconv"
	"strings"
)

// Limits on what one record may hold. They keep every record inside a single
// DynamoDB item and transaction.
const (
	// MaxExamIDs is DynamoDB's 100-item transaction limit minus the record
	// itself and the tenant counter: every exam id is checked in the same
	// transaction as the write.
	MaxExamIDs = 98
	// MaxRecordBytes bounds the JSON size of a record. A DynamoDB item is at
	// most 400 KB; JSON costs at least three bytes for what DynamoDB stores
	// in four (an empty list in a list), so 300,000 bytes of JSON always fit.
	MaxRecordBytes = 300_000
	// MaxNesting bounds the depth of free-form values (checkout_settings and
	// custom field values); DynamoDB allows 32 levels in all.
	MaxNesting = 16
)

// ValidID reports whether s is a valid record id (also used for tenant,
// exam and contact ids, which become parts of DynamoDB keys): 1 to 512
// letters, digits, '_', '|' or '-' (^[\w|-]+$).
func ValidID(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isWordByte(c) && c != '|' && c != '-' {
			return false
		}
	}
	return true
}

// isWordByte reports whether c is in \w: an ASCII letter, digit or '_'.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// validCustomFieldID matches ^[a-z\d:_-]{1,300}__c$.
func validCustomFieldID(s string) bool {
	name, ok := strings.CutSuffix(s, "__c")
	if !ok || name == "" || len(name) > 300 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

const formIDPrefix = "certifications-exam-registrations__"

// validate checks everything a client can write and reports every problem
// found, each with its field. It does not look at server-managed fields.
// Members of the wrong type were reported when the document was decoded;
// here they read as absent.
func (p *Process) validate() *validation {
	v := &validation{}
	doc := p.Document()
	v.requiredText(doc, "", "name")
	switch typ, _ := doc.Member("type"); {
	case typ.Kind() != jsondoc.KindString:
		v.add("type", "is required")
	case typ.Text() != TypeRegister && typ.Text() != TypeRetest:
		v.add("type", `must be "register" or "retest"`)
	}
	v.examIDs(doc)
	if form, ok := v.requiredObject(doc, "contact_form_options"); ok {
		v.requiredText(form, "contact_form_options.", "contact_form_id")
	}
	if settings, ok := v.requiredObject(doc, "checkout_settings"); ok {
		for _, name := range []string{"bank_account_id", "business_unit_id"} {
			field := "checkout_settings." + name
			switch s, ok := settings.Member(name); {
			case !ok || s.Kind() == jsondoc.KindNull:
				v.add(field, "is required")
			case s.Kind() != jsondoc.KindString:
				v.add(field, "must be a string")
			case s.Text() == "":
				v.add(field, "is required")
			}
		}
		v.nesting("checkout_settings", settings)
	}
	if email, ok := v.requiredObject(doc, "confirmation_email"); ok {
		v.requiredText(email, "confirmation_email.", "subject")
		v.requiredText(email, "confirmation_email.", "body")
	}
	if form, ok := doc.Member("form_id"); ok && form.Kind() == jsondoc.KindString && !strings.HasPrefix(form.Text(), formIDPrefix) {
		v.add("form_id", "must match ^"+formIDPrefix+".*")
	}
	values, _ := doc.Member("custom_field_values")
	for i, cf := range values.Items() {
		field := "custom_field_values[" + strconv.Itoa(i) + "]"
		if v.requiredText(cf, field+".", "custom_field_id") && !validCustomFieldID(cf.MemberText("custom_field_id")) {
			v.add(field+".custom_field_id", "must match ^[a-z\\d:_-]{1,300}__c$")
		}
		for _, name := range []string{"list_value", "table_value"} {
			if list, ok := cf.Member(name); ok {
				v.nesting(field+"."+name, list)
			}
		}
	}
	if len(v.fields) == 0 {
		// The members a client writes are measured: then a record at the
		// limit can still be written back as it reads, server-managed
		// members and all (they are bounded: see securityContext).
		written := jsondoc.ObjectValue(slices.DeleteFunc(slices.Clone(p.members), func(m jsondoc.Member) bool { return IsServerManaged(m.Name) }))
		if len(written.AppendJSON(nil)) > MaxRecordBytes {
			v.add("", "the exam reg process is larger than "+strconv.Itoa(MaxRecordBytes)+" bytes")
		}
	}
	return v
}

func (v *validation) examIDs(doc jsondoc.Value) {
	ids, _ := doc.Member("exam_ids")
	if len(ids.Items()) == 0 {
		v.add("exam_ids", "must contain at least one exam id")
		return
	}
	if len(ids.Items()) > MaxExamIDs {
		v.add("exam_ids", "must contain at most "+strconv.Itoa(MaxExamIDs)+" exam ids")
		return
	}
	seen := make(map[string]bool, len(ids.Items()))
	for i, id := range ids.Items() {
		field := "exam_ids[" + strconv.Itoa(i) + "]"
		switch {
		case !ValidID(id.Text()):
			v.add(field, "must be an id matching ^[\\w|-]+$")
		case seen[id.Text()]:
			v.add(field, "duplicates an earlier exam id")
		}
		seen[id.Text()] = true
	}
}

// validation collects field errors.
type validation struct{ fields []FieldError }

func (v *validation) add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// requiredText requires obj's member name to be a non-empty string, and
// reports whether it is.
func (v *validation) requiredText(obj jsondoc.Value, prefix, name string) bool {
	if s, _ := obj.Member(name); s.Kind() != jsondoc.KindString || s.Text() == "" {
		v.add(prefix+name, "is required")
		return false
	}
	return true
}

// requiredObject requires the document's member name to be an object.
func (v *validation) requiredObject(doc jsondoc.Value, name string) (jsondoc.Value, bool) {
	obj, _ := doc.Member(name)
	if obj.Kind() != jsondoc.KindObject {
		v.add(name, "is required")
		return jsondoc.Value{}, false
	}
	return obj, true
}

func (v *validation) nesting(field string, value jsondoc.Value) {
	if depth(value) > MaxNesting {
		v.add(field, "is nested more than "+strconv.Itoa(MaxNesting)+" levels deep")
	}
}

func (v *validation) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(v.fields))
	for _, f := range v.fields {
		if f.Field == "" {
			msgs = append(msgs, f.Message)
		} else {
			msgs = append(msgs, f.Field+" "+f.Message)
		}
	}
	return Invalid("invalid exam reg process: "+strings.Join(msgs, "; "), v.fields...)
}

// errOf is err with a given summary message.
func (v *validation) errOf(message string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(message, v.fields...)
}

// depth is the nesting depth of a JSON value (a scalar is 0).
func depth(v jsondoc.Value) int {
	d := 0
	switch v.Kind() {
	case jsondoc.KindArray:
		for _, item := range v.Items() {
			d = max(d, depth(item))
		}
		return d + 1
	case jsondoc.KindObject:
		for _, m := range v.Members() {
			d = max(d, depth(m.Value))
		}
		return d + 1
	}
	return 0
}
