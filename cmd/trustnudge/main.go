// Command trustnudge runs the trustnudge Slack app. See `trustnudge help`.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "trustnudge:", err)
	}
	os.Exit(exitCode(err))
}
