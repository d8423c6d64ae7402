"""Read, parse and check an interface directory: the one entry the subcommands use."""

import ifcheck
import ifinputs
import ifload
from diagnostics import Diagnostics, InterfaceError


def read_interface(iface_dir):
    """Return (Interface, [InputFile]); raise InterfaceError listing every problem."""
    diag = Diagnostics()
    files = ifinputs.collect(iface_dir, diag)
    if diag:
        # Without all files every cross-reference check would misfire.
        raise InterfaceError(diag)
    iface = ifload.load_interface(files, diag, ifinputs.version_of(files))
    if iface is not None:
        iface.paths = {f.rel: f.path for f in files}
        # Run the cross-file checks even after shape errors (the loader leaves
        # broken nodes out of the model) so one run reports as much as it can.
        ifcheck.check(iface, diag)
    if diag:
        raise InterfaceError(diag)
    return iface, files
