"""Build the compiled modules.

Every ``.pyx`` under ``hummingbot_conn/`` becomes an extension module, wherever
it lives: the venue-neutral core in ``core/`` and a venue's payload parsers
beside its connector (``exchanges/<venue>/``, docs/architecture.md, Layout).
Flags:

* ``HBCONN_TRACE=1``     line tracing (coverage / profiling of .pyx code)
* ``HBCONN_ANNOTATE=1``  write Cython's HTML annotation next to each .pyx
* ``HBCONN_DEBUG=1``     -O0 -g and Cython's bounds checks back on
* ``HBCONN_CYTHON_WARNINGS=1``  Cython warnings stay warnings (by default each
  one is an error; the escape hatch is for building with a newer Cython that
  warns about something new before the code is fixed)
"""
import os
from glob import glob

import numpy
from Cython.Build import cythonize
from Cython.Compiler import Options
from setuptools import Extension, setup

# A Cython warning is an error: each one so far was a real defect (undefined
# negative indexing under wraparound=False, an ignored exception clause).
Options.warning_errors = os.environ.get("HBCONN_CYTHON_WARNINGS") != "1"

TRACE = os.environ.get("HBCONN_TRACE") == "1"
ANNOTATE = os.environ.get("HBCONN_ANNOTATE") == "1"
DEBUG = os.environ.get("HBCONN_DEBUG") == "1"


def _extensions():
    # -g0: no debug info in release wheels (it triples the size of each module)
    compile_args = ["-O0", "-g"] if DEBUG else ["-O3", "-g0"]
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    if TRACE:
        macros += [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]
    exts = []
    for pyx in sorted(glob("hummingbot_conn/**/*.pyx", recursive=True)):
        name = pyx[:-4].replace(os.sep, ".")
        exts.append(Extension(
            name, [pyx],
            include_dirs=[numpy.get_include()],
            define_macros=macros,
            extra_compile_args=compile_args,
            language="c++",
        ))
    return exts


directives = {
    "language_level": 3,
    "embedsignature": True,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "linetrace": TRACE,
    "profile": TRACE,
}

setup(
    ext_modules=cythonize(
        _extensions(),
        compiler_directives=directives,
        annotate=ANNOTATE,
        nthreads=os.cpu_count() or 1,
    ),
    # the C++ compiles of the modules side by side (pip's build gives no -j): about half the
    # install time on two cores, for every `pip install .` and wheel build
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
    zip_safe=False,
)
