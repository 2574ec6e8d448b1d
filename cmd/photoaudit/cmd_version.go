package main

import (
	"fmt"
	"runtime"

	"github.com/otiai10/gosseract/v2"
	"github.com/spf13/cobra"
	"gocv.io/x/gocv"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print photoaudit's version and its OpenCV and Tesseract versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := gosseract.NewClient()
			tess := c.Version()
			if err := c.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit %s (%s, OpenCV %s, Tesseract %s)\n",
				version, runtime.Version(), gocv.OpenCVVersion(), tess)
			return nil
		},
	}
}
