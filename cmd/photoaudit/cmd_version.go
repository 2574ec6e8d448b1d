package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"photoaudit/ocr"
	"photoaudit/vision"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print photoaudit's version and its OpenCV and Tesseract versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tess, err := ocr.Version()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit %s (%s, OpenCV %s, Tesseract %s)\n",
				version, runtime.Version(), vision.OpenCVVersion(), tess)
			return nil
		},
	}
}
