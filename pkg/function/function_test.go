package function_test

import (
	"testing"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/function"
)

func TestAPIConfig(t *testing.T) {
	t.Setenv("MAX_PROCESSES_PER_TENANT", "")
	t.Setenv("TENANT_CLAIM", "")
	cfg, err := function.APIConfig()
	if err != nil || cfg.MaxProcessesPerTenant != api.DefaultMaxProcessesPerTenant || cfg.TenantClaim != api.DefaultTenantClaim {
		t.Errorf("unset: %d %q %v, want the defaults", cfg.MaxProcessesPerTenant, cfg.TenantClaim, err)
	}

	t.Setenv("MAX_PROCESSES_PER_TENANT", "7")
	t.Setenv("TENANT_CLAIM", "tenants")
	cfg, err = function.APIConfig()
	if err != nil || cfg.MaxProcessesPerTenant != 7 || cfg.TenantClaim != "tenants" {
		t.Errorf("set: %d %q %v, want 7 \"tenants\"", cfg.MaxProcessesPerTenant, cfg.TenantClaim, err)
	}

	for _, bad := range []string{"0", "-1", "many"} {
		t.Setenv("MAX_PROCESSES_PER_TENANT", bad)
		if _, err := function.APIConfig(); err == nil {
			t.Errorf("MAX_PROCESSES_PER_TENANT=%s accepted", bad)
		}
	}
}
