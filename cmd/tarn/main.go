// Command tarn runs the AWS data-engineering stack as one program.
package main

import (
	"os"

	"github.com/tarnhq/tarn/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
