// Command kstatus prints what kstatus computes for Kubernetes objects: the status Helm 4's
// --wait, Flux, kpt and Config Sync act on. Helm v4.3.1 uses Flux's fork
// (github.com/fluxcd/cli-utils); kpt and Config Sync use sigs.k8s.io/cli-utils. Both are asked,
// so a test sees at once if the two ever read an AppWithHelpers differently.
//
//	kubectl get awh NAME -o json | kstatus
//
// Input: one object, or a List of them (kubectl get -o json). Output: one JSON line per object,
// {"name", "fluxcd": {"status", "message"}, "sigs": {"status", "message"}}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	fluxstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type line struct {
	Name   string  `json:"name"`
	Fluxcd verdict `json:"fluxcd"`
	Sigs   verdict `json:"sigs"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	var obj unstructured.Unstructured
	if err := obj.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("reading the object: %w", err)
	}
	objects := []unstructured.Unstructured{obj}
	if obj.IsList() {
		list, err := obj.ToList()
		if err != nil {
			return err
		}
		objects = list.Items
	}
	enc := json.NewEncoder(out)
	for i := range objects {
		u := &objects[i]
		flux, err := fluxstatus.Compute(u)
		if err != nil {
			return fmt.Errorf("fluxcd kstatus on %s: %w", u.GetName(), err)
		}
		sigs, err := sigsstatus.Compute(u)
		if err != nil {
			return fmt.Errorf("sigs.k8s.io kstatus on %s: %w", u.GetName(), err)
		}
		if err := enc.Encode(line{
			Name:   u.GetName(),
			Fluxcd: verdict{Status: flux.Status.String(), Message: flux.Message},
			Sigs:   verdict{Status: sigs.Status.String(), Message: sigs.Message},
		}); err != nil {
			return err
		}
	}
	return nil
}
