# CTest driver of examples.or_app (cmake -P): trains the OR gate with
# `dlc train`, runs or_app on the checkpoint and checks that each of the four
# predictions is within 0.1 of the truth. Also checks that a missing
# checkpoint is a one-line error with a non-zero exit status.
#
# Inputs (-D): DLC, OR_APP, MODEL (or.so), DATA (or.csv), WORK_DIR.
cmake_minimum_required(VERSION 3.20)

foreach(var DLC OR_APP MODEL DATA WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "or_app_test: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(ckpt ${WORK_DIR}/or.ckpt)

execute_process(
  COMMAND ${DLC} train ${MODEL} --data ${DATA} --epochs 2000 --batch-size 4
          --quiet --checkpoint ${ckpt}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT EXISTS ${ckpt})
  string(LENGTH "${out}" len)
  if(len GREATER 2000)
    math(EXPR start "${len} - 2000")
    string(SUBSTRING "${out}" ${start} -1 out)
  endif()
  message(FATAL_ERROR "dlc train failed (${rc}):\n${out}")
endif()

execute_process(
  COMMAND ${OR_APP} ${ckpt}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "or_app failed (${rc}): ${err}")
endif()

# "A OR B -> P", one line per input pair.
set(num "[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")
string(REGEX MATCHALL "([01]) OR ([01]) -> (${num})" lines "${out}")
list(LENGTH lines n)
if(NOT n EQUAL 4)
  message(FATAL_ERROR "expected 4 predictions from or_app, got ${n}:\n${out}")
endif()
set(seen "")
foreach(line IN LISTS lines)
  string(REGEX MATCH "([01]) OR ([01]) -> (${num})" _ "${line}")
  set(a ${CMAKE_MATCH_1})
  set(b ${CMAKE_MATCH_2})
  set(p ${CMAKE_MATCH_3})
  list(APPEND seen "${a}${b}")
  if(a OR b)
    set(ok FALSE)
    if(p GREATER 0.9 AND p LESS_EQUAL 1)
      set(ok TRUE)
    endif()
  else()
    set(ok FALSE)
    if(p LESS 0.1 AND p GREATER_EQUAL 0)
      set(ok TRUE)
    endif()
  endif()
  if(NOT ok)
    message(FATAL_ERROR "${a} OR ${b}: prediction ${p} is not within 0.1 of the truth")
  endif()
endforeach()
list(SORT seen)
if(NOT seen STREQUAL "00;01;10;11")
  message(FATAL_ERROR "or_app did not print the four inputs once each: ${seen}")
endif()

# A missing checkpoint: non-zero exit status and one line on stderr.
execute_process(
  COMMAND ${OR_APP} ${WORK_DIR}/missing.ckpt
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(rc EQUAL 0 OR err STREQUAL "" OR err MATCHES "\n")
  message(FATAL_ERROR "or_app on a missing checkpoint: want a non-zero exit "
                      "and one line on stderr, got ${rc} and '${err}'")
endif()
message("missing checkpoint -> exit ${rc}: ${err}")
