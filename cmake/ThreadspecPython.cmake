# Python interpreters for the test suite.
#
# THREADSPEC_TOOLS_PYTHON: a Python 3 with PyYAML and jsonschema, for the harness tests.
# THREADSPEC_PYTHON_IMPLS (with _NAMES and _PATHS): every Python implementation found, for
# the reference executor's tests and the conformance suite; a machine with only python3
# gets one.

function(_threadspec_has_modules py modules out)
  execute_process(COMMAND "${py}" -c "import ${modules}" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

find_program(_threadspec_path_python3 python3)
set(_candidates "${_threadspec_path_python3}" /usr/bin/python3)
set(THREADSPEC_TOOLS_PYTHON "")
foreach(py IN LISTS _candidates)
  if(py AND EXISTS "${py}" AND NOT THREADSPEC_TOOLS_PYTHON)
    _threadspec_has_modules("${py}" "yaml, jsonschema" ok)
    if(ok)
      set(THREADSPEC_TOOLS_PYTHON "${py}")
    endif()
  endif()
endforeach()
if(NOT THREADSPEC_TOOLS_PYTHON)
  message(FATAL_ERROR "No Python 3 with PyYAML and jsonschema found: apt-get install python3-yaml python3-jsonschema")
endif()

# Every Python implementation the harness finds (`tools/threadspec implementations`): each
# CPython (pyenv's, python3), PyPy, Jython, registered interpreters; one per name and release.
execute_process(COMMAND "${THREADSPEC_TOOLS_PYTHON}" "${PROJECT_SOURCE_DIR}/tools/threadspec" implementations --json
                OUTPUT_VARIABLE _impls_json RESULT_VARIABLE _rc ERROR_VARIABLE _err)
set(THREADSPEC_PYTHON_IMPLS)        # keys: cpython-3.11.7, pypy-7.3.11, jython-2.7.3
set(THREADSPEC_PYTHON_IMPL_NAMES)   # cpython, pypy, jython
set(THREADSPEC_PYTHON_IMPL_PATHS)   # the interpreters
if(NOT _rc EQUAL 0)
  message(WARNING "threadspec implementations failed; no interpreter tests:\n${_err}")
else()
  string(JSON _n LENGTH "${_impls_json}" implementations)
  if(_n GREATER 0)
    math(EXPR _last "${_n} - 1")
    foreach(i RANGE ${_last})
      string(JSON _py ERROR_VARIABLE _no GET "${_impls_json}" implementations ${i} python)
      if(_py AND NOT _py STREQUAL "null" AND NOT _no)
        string(JSON _key GET "${_impls_json}" implementations ${i} key)
        string(JSON _name GET "${_impls_json}" implementations ${i} name)
        list(APPEND THREADSPEC_PYTHON_IMPLS "${_key}")
        list(APPEND THREADSPEC_PYTHON_IMPL_NAMES "${_name}")
        list(APPEND THREADSPEC_PYTHON_IMPL_PATHS "${_py}")
      endif()
    endforeach()
  endif()
endif()
# The key of python3 on PATH: its scenarios run one CTest test each (specs/CMakeLists.txt).
execute_process(COMMAND "${_threadspec_path_python3}" -c
                "import platform; print(platform.python_implementation().lower() + '-' + platform.python_version())"
                OUTPUT_VARIABLE THREADSPEC_PYTHON3_KEY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
message(STATUS "threadspec: harness Python ${THREADSPEC_TOOLS_PYTHON}; Python implementations: ${THREADSPEC_PYTHON_IMPLS}")
