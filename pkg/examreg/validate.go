package examreg

import (
	"encoding/json"
	"regexp"
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
	// MaxRecordBytes bounds the JSON size of a record, well under DynamoDB's
	// 400 KB item limit.
	MaxRecordBytes = 300_000
	// MaxNesting bounds the depth of free-form values (checkout_settings and
	// custom field values); DynamoDB allows 32 levels in all.
	MaxNesting = 16
)

var (
	idPattern            = regexp.MustCompile(`^[\w|-]+$`)
	formIDPattern        = regexp.MustCompile(`^certifications-exam-registrations__.*`)
	customFieldIDPattern = regexp.MustCompile(`^[a-z\d:_-]{1,300}__c$`)
)

// ValidID reports whether s is a valid record id (also used for tenant,
// exam and contact ids, which become parts of DynamoDB keys).
func ValidID(s string) bool { return len(s) <= 512 && idPattern.MatchString(s) }

// Validate checks everything a client can write and reports every problem
// found, each with its field. It does not look at server-managed fields.
func (p *Process) Validate() error {
	v := p.validate()
	return v.err()
}

func (p *Process) validate() *validation {
	v := &validation{}
	v.required("name", p.Name != "")
	switch p.Type {
	case "":
		v.add("type", "is required")
	case TypeRegister, TypeRetest:
	default:
		v.add("type", `must be "register" or "retest"`)
	}
	v.examIDs(p.ExamIDs)
	if v.required("contact_form_options", p.ContactFormOptions != nil) {
		v.required("contact_form_options.contact_form_id", p.ContactFormOptions.ContactFormID != "")
	}
	if v.required("checkout_settings", p.CheckoutSettings != nil) {
		for _, name := range []string{"bank_account_id", "business_unit_id"} {
			field := "checkout_settings." + name
			switch s, ok := p.CheckoutSettings[name].(string); {
			case p.CheckoutSettings[name] == nil:
				v.add(field, "is required")
			case !ok:
				v.add(field, "must be a string")
			case s == "":
				v.add(field, "is required")
			}
		}
		v.nesting("checkout_settings", p.CheckoutSettings)
	}
	if v.required("confirmation_email", p.ConfirmationEmail != nil) {
		v.required("confirmation_email.subject", p.ConfirmationEmail.Subject != "")
		v.required("confirmation_email.body", p.ConfirmationEmail.Body != "")
	}
	if p.FormID != nil && !formIDPattern.MatchString(*p.FormID) {
		v.add("form_id", "must match ^certifications-exam-registrations__.*")
	}
	for i, cf := range p.CustomFieldValues {
		field := "custom_field_values[" + strconv.Itoa(i) + "]"
		if v.required(field+".custom_field_id", cf.CustomFieldID != "") && !customFieldIDPattern.MatchString(cf.CustomFieldID) {
			v.add(field+".custom_field_id", "must match ^[a-z\\d:_-]{1,300}__c$")
		}
		v.nesting(field+".list_value", cf.ListValue)
		v.nesting(field+".table_value", cf.TableValue)
	}
	if len(v.fields) == 0 {
		if b, err := json.Marshal(p); err != nil || len(b) > MaxRecordBytes { // the 300 KB bound of the whole record
			v.add("", "the exam reg process is larger than "+strconv.Itoa(MaxRecordBytes)+" bytes")
		}
	}
	return v
}

func (v *validation) examIDs(ids []string) {
	if len(ids) == 0 {
		v.add("exam_ids", "must contain at least one exam id")
		return
	}
	if len(ids) > MaxExamIDs {
		v.add("exam_ids", "must contain at most "+strconv.Itoa(MaxExamIDs)+" exam ids")
		return
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		field := "exam_ids[" + strconv.Itoa(i) + "]"
		switch {
		case !ValidID(id):
			v.add(field, "must be an id matching ^[\\w|-]+$")
		case seen[id]:
			v.add(field, "duplicates an earlier exam id")
		}
		seen[id] = true
	}
}

// validation collects field errors.
type validation struct{ fields []FieldError }

func (v *validation) add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// required adds "is required" unless present, and returns present.
func (v *validation) required(field string, present bool) bool {
	if !present {
		v.add(field, "is required")
	}
	return present
}

func (v *validation) nesting(field string, value any) {
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

// depth is the nesting depth of a decoded JSON value (a scalar is 0).
func depth(value any) int {
	d := 0
	switch x := value.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		for _, e := range x {
			d = max(d, depth(e))
		}
		return d + 1
	case []map[string]any:
		for _, e := range x {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}
