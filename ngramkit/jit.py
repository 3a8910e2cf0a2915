"""`njit` as Numba's, except that a compiled caller never specialises a callee on constants
and that compiled code runs without the GIL (other threads, such as counting workers or the
memory cap's pager, go on meanwhile); a cache prefetch for compiled code; and the number of
cores that threads of compiled kernels can use.

Numba types a constant argument (`f(x, 0)`, or a counter still holding its initial 0 while
the caller is being typed) as a literal, and compiles the callee once more for it. Those
extra copies, a dozen of them, cost seconds on the first run of every command, when the
on-disk cache is empty. Calls from compiled code here see the plain types instead.
"""

import os

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.registry import CPUDispatcher
from numba.extending import intrinsic


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


def available_cores():
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
