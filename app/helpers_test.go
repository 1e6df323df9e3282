package app_test

import (
	"strconv"
	"strings"

	"pakn/models"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func testenvDefaultInput() models.SubmitInput {
	return models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"}
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }
