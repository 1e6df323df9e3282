package models

import (
	"context"
	"fmt"
)

// OutboxBacklog counts pending messages per channel.
func (s *Store) OutboxBacklog(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Channel string
		N       int64
	}
	err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Select("channel, count(*) AS n").
		Where("status = ?", OutboxPending).Group("channel").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("outbox backlog: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Channel] = r.N
	}
	return out, nil
}

// OutboxUndelivered counts the outbox rows not sent, by channel and state
// (pending, failed, undeliverable): what the operator watches.
func (s *Store) OutboxUndelivered(ctx context.Context) (map[[2]string]int64, error) {
	var rows []struct {
		Channel, Status string
		N               int64
	}
	err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Select("channel, status, count(*) AS n").
		Where("status <> ?", OutboxSent).Group("channel, status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("outbox undelivered: %w", err)
	}
	out := map[[2]string]int64{}
	for _, r := range rows {
		out[[2]string{r.Channel, r.Status}] = r.N
	}
	return out, nil
}
