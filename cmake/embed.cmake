# SPDX-License-Identifier: Apache-2.0
# Turns every file of templates/ into a C string in templates_embedded.c, so the installer is
# one self-contained program: pdi_template_get("polkadot.service.in") returns the text.
# Usage: cmake -DSRC=<templates dir> -DOUT=<file.c> -P embed.cmake
file(GLOB files RELATIVE ${SRC} ${SRC}/*)
list(SORT files)
set(body "/* Generated from templates/ by cmake/embed.cmake. Do not edit. */\n#include \"host/templates.h\"\n\n")
set(table "")
set(i 0)
foreach(f ${files})
  if(IS_DIRECTORY ${SRC}/${f} OR f MATCHES "^README")
    continue()
  endif()
  file(READ ${SRC}/${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const char t${i}[] = {${hex} 0};\n")
  string(APPEND table "        {\"${f}\", t${i}},\n")
  math(EXPR i "${i}+1")
endforeach()
string(APPEND body "\nconst struct pdi_template pdi_templates[] = {\n${table}        {0},\n};\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
