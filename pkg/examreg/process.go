// Package examreg is the Exam Reg Processes resource: its type, strict
// decoding, validation, system fields, patch rules and eligibility rule.
//
// It knows neither HTTP nor AWS. The JSON field names are the wire names of
// the API and, through pkg/store, the attribute names in DynamoDB.
package examreg

import "time"

// Process types.
const (
	TypeRegister = "register"
	TypeRetest   = "retest"
)

// Process is an exam reg process: the steps a contact follows to register
// for (or retake) an exam. Optional scalars are pointers so that "absent"
// and "false", "0" or "" stay different; every field is omitempty so that a
// projection (the `fields` query parameter) renders only what was read.
type Process struct {
	ID                           string              `json:"id,omitempty"`
	Name                         string              `json:"name,omitempty"`
	DisplayInPortalAs            *string             `json:"display_in_portal_as,omitempty"`
	Description                  *string             `json:"description,omitempty"`
	Type                         string              `json:"type,omitempty"`
	DisplayOrder                 *float64            `json:"display_order,omitempty"`
	RestrictExams                *bool               `json:"restrict_exams,omitempty"`
	ExamIDs                      []string            `json:"exam_ids,omitempty"`
	ShowContactForm              *bool               `json:"show_contact_form,omitempty"`
	ContactFormOptions           *ContactFormOptions `json:"contact_form_options,omitempty"`
	AvailableToTrainingProviders *bool               `json:"available_to_training_providers,omitempty"`
	FormID                       *string             `json:"form_id,omitempty"`
	IsActive                     *bool               `json:"is_active,omitempty"`
	CustomFieldValues            []CustomFieldValue  `json:"custom_field_values,omitempty"`
	AvailableInPortal            *bool               `json:"available_in_portal,omitempty"`
	OverrideCheckoutSettings     *bool               `json:"override_checkout_settings,omitempty"`
	// CheckoutSettings is kept as given: only bank_account_id and
	// business_unit_id are known to be required, the rest of its schema is not
	// published.
	CheckoutSettings        map[string]any `json:"checkout_settings,omitempty"`
	EnableConfirmationEmail *bool          `json:"enable_confirmation_email,omitempty"`
	ConfirmationEmail       *Email         `json:"confirmation_email,omitempty"`

	SysDeletedByID                     *string                `json:"sys_deleted_by_id,omitempty"`
	SysVersion                         int64                  `json:"sys_version,omitempty"`
	SysCreatedAt                       string                 `json:"sys_created_at,omitempty"`
	SysLastModifiedAt                  string                 `json:"sys_last_modified_at,omitempty"`
	SysCreatedByID                     string                 `json:"sys_created_by_id,omitempty"`
	SysLastModifiedByID                string                 `json:"sys_last_modified_by_id,omitempty"`
	SysExternalID                      *string                `json:"sys_external_id,omitempty"`
	SysLocked                          *bool                  `json:"sys_locked,omitempty"`
	SysBulkLoadPK                      *string                `json:"sys_bulk_load_pk,omitempty"`
	SysBulkLoadAt                      *string                `json:"sys_bulk_load_at,omitempty"`
	SysBulkLoadID                      *string                `json:"sys_bulk_load_id,omitempty"`
	SysBulkLoadRecordNo                *float64               `json:"sys_bulk_load_record_no,omitempty"`
	SysBulkLoadSourceFile              *string                `json:"sys_bulk_load_source_file,omitempty"`
	SysLastBulkDataOperationID         *string                `json:"sys_last_bulk_data_operation_id,omitempty"`
	SysLastBulkDataOperationSysVersion *string                `json:"sys_last_bulk_data_operation_sys_version,omitempty"`
	SysDirective                       *string                `json:"sys_directive,omitempty"`
	SysCalculatedFieldError            *string                `json:"sys_calculated_field_error,omitempty"`
	SysSnapshotBaseVersion             *float64               `json:"sys_snapshot_base_version,omitempty"`
	SysHasFilesInS3                    *bool                  `json:"sys_has_files_in_s3,omitempty"`
	SysConfigurationSnapshotID         *string                `json:"sys_configuration_snapshot_id,omitempty"`
	SysLastSecurityContext             *SecurityContext       `json:"sys_last_security_context,omitempty"`
	SysCalculatedFieldErrors           []CalculatedFieldError `json:"sys_calculated_field_errors,omitempty"`
}

// ContactFormOptions is the contact form shown before the registration.
type ContactFormOptions struct {
	ContactFormID string  `json:"contact_form_id,omitempty"`
	HTML          *string `json:"html,omitempty"`
}

// Email is the confirmation email sent once a registration is processed.
type Email struct {
	Subject  string  `json:"subject,omitempty"`
	Body     string  `json:"body,omitempty"`
	From     *string `json:"from,omitempty"`
	FromName *string `json:"from_name,omitempty"`
	ReplyTo  *string `json:"reply_to,omitempty"`
	CC       *string `json:"cc,omitempty"`
	BCC      *string `json:"bcc,omitempty"`
}

// CustomFieldValue is the value of one Platform custom field.
type CustomFieldValue struct {
	CustomFieldID string           `json:"custom_field_id,omitempty"`
	BooleanValue  *bool            `json:"boolean_value,omitempty"`
	FileURLValue  *string          `json:"file_url_value,omitempty"`
	ListValue     []any            `json:"list_value,omitempty"`
	NumericValue  *float64         `json:"numeric_value,omitempty"`
	StringValue   *string          `json:"string_value,omitempty"`
	TableValue    []map[string]any `json:"table_value,omitempty"`
}

// SecurityContext records who made the last write, from where and how.
type SecurityContext struct {
	UserID    string `json:"user_id,omitempty"`
	TenantID  string `json:"tenant_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	SourceIP  string `json:"source_ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Operation string `json:"operation,omitempty"`
	At        string `json:"at,omitempty"`
}

// CalculatedFieldError is a calculated field that could not be computed.
type CalculatedFieldError struct {
	Error string `json:"error,omitempty"`
	Field string `json:"field,omitempty"`
}

// IsLocked reports whether the record refuses changes through the API.
func (p *Process) IsLocked() bool { return p.SysLocked != nil && *p.SysLocked }

// Actor is who performs a write and the request it arrived in; it fills the
// sys_*_by_id fields and sys_last_security_context.
type Actor struct {
	UserID    string
	TenantID  string
	RequestID string
	SourceIP  string
	UserAgent string
	Operation string
	Now       time.Time
}

// Timestamp formats t the way every sys_*_at field is written: RFC 3339 in
// UTC with milliseconds.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func (a Actor) securityContext() *SecurityContext {
	return &SecurityContext{
		UserID:    a.UserID,
		TenantID:  a.TenantID,
		RequestID: a.RequestID,
		SourceIP:  a.SourceIP,
		UserAgent: a.UserAgent,
		Operation: a.Operation,
		At:        Timestamp(a.Now),
	}
}
