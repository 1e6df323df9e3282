package jobs

import (
	"context"
	"fmt"
	"time"
)

// eraseStaleCitizenAccounts is the retention job's part for citizen
// accounts: an account that follows no open petition is erased two years
// after its last sign-in (models.EraseStaleCitizenAccounts).
func (r *Runner) eraseStaleCitizenAccounts(ctx context.Context, now time.Time) error {
	n, err := r.Store.EraseStaleCitizenAccounts(ctx, now)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	r.Log.Info("retention: citizen accounts", "at", now, "erased", n)
	return nil
}
