package engine

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	index "github.com/blevesearch/bleve_index_api"
)

// Merge merges a scorch index's written segments into one (adv is
// bleve.Index.Advanced()); other indexes are left as they are. All of them
// go into one merge, so that no item is rewritten twice: bleve's own
// single-segment plan merges ten at a time, and one pass of it over a
// hundred segments leaves ten.
func Merge(ctx context.Context, adv index.Index) error {
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	// One pass suffices unless segments are written meanwhile. The
	// segments are counted in the current snapshot, not in the stats
	// (which the introducer updates on its own schedule).
	for range 4 {
		r, err := sc.Reader()
		if err != nil {
			return fmt.Errorf("search: merge segments: %w", err)
		}
		n := SnapshotSegments(r)
		_ = r.Close()
		if n <= 1 {
			return nil
		}
		opts := mergeplan.SingleSegmentMergePlanOptions
		opts.SegmentsPerMergeTask = n
		if err := sc.ForceMerge(ctx, &opts); err != nil {
			return fmt.Errorf("search: merge segments: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search: merge segments: %w", err)
		}
	}
	return nil
}

// BulkConfig is the scorch configuration of an index being filled from
// scratch and merged once at the end (Merge), for bleve.OpenUsing (the
// configuration of a created index is stored with it; one given on
// opening is not). Merging while the index grows rewrites each item
// several times: none happens until Merge. Batches are not waited on
// until persisted (unsafe_batch): the caller must wait for a later
// batch's persisted callback before closing.
func BulkConfig() map[string]interface{} {
	return map[string]interface{}{
		"unsafe_batch": true,
		// No segment is smaller than half of 1: none is eligible.
		"scorchMergePlanOptions": map[string]interface{}{"MaxSegmentSize": 1},
		// Segments waiting to be written are written as they are, not
		// merged in memory first.
		"scorchPersisterOptions": map[string]interface{}{"MemoryPressurePauseThreshold": 0},
	}
}

// SegmentCounts is the number of a scorch index's segments on disk and in
// memory (0, 0 for other indexes).
func SegmentCounts(adv index.Index) (files, memory uint64) {
	if sc, ok := adv.(*scorch.Scorch); ok {
		m := sc.StatsMap()
		files, _ = m["num_root_filesegments"].(uint64)
		memory, _ = m["num_root_memorysegments"].(uint64)
	}
	return files, memory
}

// SnapshotSegments is the number of segments of r, a scorch snapshot (0
// for other readers).
func SnapshotSegments(r index.IndexReader) int {
	if snap, ok := r.(*scorch.IndexSnapshot); ok {
		return len(snap.Segments())
	}
	return 0
}
