/* leadrouter: the command line is in src/cli/ (leadrouter --help lists the commands). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return lr_cli_main(argc, argv);
}
