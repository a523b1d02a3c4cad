# -*- Python -*-
# lit configuration of the Attune test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "ATTUNE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c", ".py"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attune_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%attune_src", config.attune_src_root))
config.substitutions.append(("%attune_obj", config.attune_obj_root))
config.substitutions.append(("%mlir_include", config.mlir_include_dir))
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.attune_tools_dir, config.llvm_tools_dir]
tools = ["attune-opt", "attune-compile", "attune-runner", "attune-unittests", "attune-fuzz",
         "mlir-translate", "llc", "mlir-tblgen", "llvm-nm", "mlir-runner"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools], tool_dirs)

if os.path.exists(os.path.join(config.attune_tools_dir, "attune-fuzz")):
    config.available_features.add("fuzzer")

# Compiling and linking emitted kernels: LLVM's clang, libomp from LLVM.
config.substitutions.append(("%clang", os.path.join(config.llvm_tools_dir, "clang")))
config.substitutions.append(
    ("%omp_link", "-L{0} -Wl,-rpath,{0} -lomp".format(config.llvm_lib_dir)))
config.substitutions.append(("%python", "python3"))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.llvm_lib_dir, "libmlir_c_runner_utils.so")))

# AMX tiles with bf16 products, and a kernel that lets processes use them:
# integration tests that ask for AMX explicitly need such a host.
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


if {"amx_tile", "amx_bf16"} <= _cpu_flags():
    config.available_features.add("amx")

# Long cases run only on request: lit --param slow=1 (make check-slow).
if lit_config.params.get("slow"):
    config.available_features.add("slow")

# GPU code: ptxas (CUDA toolkit) assembles and reports on the PTX where it is
# installed; numerics need an NVIDIA GPU with its driver.
import shutil
import subprocess

ptxas = shutil.which("ptxas") or next(
    (p for p in ["/usr/local/cuda/bin/ptxas"] if os.path.exists(p)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
# cuobjdump lists the cubins' SASS (the CUDA toolkit's, or the pinned PyPI
# wheel scripts/install-sass-tools.sh puts into the build directory).
cuobjdump = shutil.which("cuobjdump") or next(
    (p for p in ["/usr/local/cuda/bin/cuobjdump",
                 os.path.join(config.attune_obj_root, "sass-tools", "nvidia",
                              "cu13", "bin", "cuobjdump")]
     if os.path.exists(p)), None)
# It runs nvdisasm, which it looks for on PATH or at NVDISASM_PATH.
nvdisasm = cuobjdump and (shutil.which("nvdisasm") or next(
    (p for p in [os.path.join(os.path.dirname(cuobjdump), "nvdisasm")]
     if os.path.exists(p)), None))
if ptxas and cuobjdump and nvdisasm:
    config.available_features.add("cuobjdump")
    config.environment["NVDISASM_PATH"] = os.path.dirname(nvdisasm)
    config.substitutions.append(("%cuobjdump", cuobjdump))
# The CUDA emulator's libcuda.so.1: GPU kernels built with --emulate run on
# the CPU through their launchers when this directory leads LD_LIBRARY_PATH.
config.substitutions.append(
    ("%cuda_emulator", os.path.join(config.attune_obj_root, "lib", "cuda-emulator")))
nvidia_smi = shutil.which("nvidia-smi")
if nvidia_smi and subprocess.call([nvidia_smi], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("cuda-gpu")

# PyTorch (the exporter's virtual environment, or the system's python3):
# the GPU check's reference is itself checked against the CPU kernels.
torch_python = None
for candidate in [os.path.join(config.attune_obj_root, "export-venv", "bin", "python"),
                  shutil.which("python3")]:
    if candidate and os.path.exists(candidate) and subprocess.call(
            [candidate, "-c", "import torch"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) == 0:
        torch_python = candidate
        break
if torch_python:
    config.available_features.add("torch")
    config.substitutions.append(("%torch_python", torch_python))
