"""`njit` as Numba's, except that a compiled caller never specialises a callee on constants
and that compiled code runs without the GIL (other threads, such as counting workers or the
memory cap's pager, go on meanwhile); a cache prefetch for compiled code; `borrowed`, an
array view whose reference count loops do not touch; the number of
cores that threads of compiled kernels can use; and `release_compiler_code`, which gives back
the resident code of LLVM once the kernels are loaded.

Numba types a constant argument (`f(x, 0)`, or a counter still holding its initial 0 while
the caller is being typed) as a literal, and compiles the callee once more for it. Those
extra copies, a dozen of them, cost seconds on the first run of every command, when the
on-disk cache is empty. Calls from compiled code here see the plain types instead.
"""

import ctypes
import os
import sys

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.registry import CPUDispatcher
from numba.extending import intrinsic


def _import_array_math_without_blas_probe():
    """Import Numba's array math with SciPy's BLAS made unimportable for the moment.

    On import it tries `scipy.linalg.cython_blas` only to choose how np.convolve and np.correlate
    compile (no kernel here uses them), and that loads all of scipy.linalg with its LAPACK and
    OpenBLAS libraries and threads: 12 MB of every process's resident memory. np.dot and the
    rest of Numba's linear algebra import SciPy themselves when compiled, so they still work."""
    if "numba.np.arraymath" in sys.modules:
        return
    probe = "scipy.linalg.cython_blas"
    held = sys.modules.get(probe)
    sys.modules[probe] = None  # an import of it raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if held is None:
            del sys.modules[probe]
        else:
            sys.modules[probe] = held


_import_array_math_without_blas_probe()


class _Dispatcher(CPUDispatcher):
    def get_call_template(self, args, kws):
        args = tuple(types.unliteral(a) for a in args)
        kws = {name: types.unliteral(t) for name, t in kws.items()}
        return super().get_call_template(args, kws)


def njit(*args, **options):
    """numba.njit(...), nogil unless told otherwise, whose dispatcher resolves calls from compiled
    code on unliteral types."""
    options.setdefault("nogil", True)
    def wrap(dispatcher):
        if type(dispatcher) is CPUDispatcher:
            dispatcher.__class__ = _Dispatcher
        return dispatcher

    result = numba.njit(*args, **options)
    if isinstance(result, CPUDispatcher):
        return wrap(result)
    return lambda func: wrap(result(func))


@intrinsic
def prefetch(typingctx, array, index):
    """Start moving array[index] into the cache without waiting for it (LLVM's prefetch)."""
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        array_struct = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, array_struct, [args[1]])
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch")
        # Read access, keep in all cache levels, data cache.
        builder.call(function, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(array, index), codegen


@intrinsic
def borrowed(typingctx, array):
    """`array` (or each array of a tuple) without its reference count (a null meminfo), for a
    kernel's own use of an argument, which its caller holds; never of an array the kernel makes
    (Numba frees that after its last named use), and never returned to Python or stored.

    Numba counts references to an array atomically. A loop that passes an array to a compiled
    function (or binds it in an inlined one, where Numba's pruning misses the pair) counts up
    and down once per iteration; when two threads work on one array, that shared count's cache
    line moves between cores at every step, which took a third of the CPU time of estimation.
    A borrowed array's count is never touched."""
    def is_buffer(t):
        return isinstance(t, types.Buffer)  # arrays, bytes

    if isinstance(array, types.BaseTuple):
        if not all(is_buffer(t) for t in array.types):
            return None
    elif not is_buffer(array):
        return None

    def borrow(context, builder, array_type, value):
        source = context.make_array(array_type)(context, builder, value)
        view = context.make_array(array_type)(context, builder)
        for field in ("data", "shape", "strides", "itemsize", "nitems"):
            setattr(view, field, getattr(source, field))
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        view.parent = cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        if not isinstance(array_type, types.BaseTuple):
            return borrow(context, builder, array_type, args[0])
        result = args[0]
        for i, element in enumerate(array_type.types):
            value = builder.extract_value(args[0], i)
            result = builder.insert_value(result, borrow(context, builder, element, value), i)
        return result

    return array(array), codegen


def available_cores():
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_MADV_DONTNEED = 4  # Linux's madvise advice


def release_compiler_code():
    """Drop the code pages of LLVM (llvmlite's library) from this process's resident memory.

    Kernels from the on-disk cache need LLVM only to link them, but Numba compiles its runtime
    module in every process, which runs LLVM's optimiser and code generator: about 50 MB of
    their code stays resident (half the start-up memory), never to run again in a job whose peak
    comes later, when the model is read. Code pages are never written, so dropping them loses
    nothing: a page that runs again is read back from the page cache. Linux only (elsewhere,
    or without /proc, nothing happens)."""
    try:
        with open("/proc/self/maps") as maps:
            ranges = [line.split()[0] for line in maps
                      if line.split()[1:2] == ["r-xp"] and "llvmlite" in line.rsplit("/", 1)[-1]]
        libc = ctypes.CDLL(None)
    except (OSError, IndexError):
        return
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for span in ranges:
        start, end = (int(x, 16) for x in span.split("-"))
        madvise(start, end - start, _MADV_DONTNEED)
