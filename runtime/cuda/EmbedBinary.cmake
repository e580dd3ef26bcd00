# cmake -DINPUT=file -DOUTPUT=file.c -DSYMBOL=name -P EmbedBinary.cmake
# Writes `const unsigned char name[]` (16-byte aligned, hidden) with the
# bytes of INPUT.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUTPUT}
  "/* Generated from ${INPUT}. Do not edit. */\n"
  "__attribute__((visibility(\"hidden\"), aligned(16)))\n"
  "const unsigned char ${SYMBOL}[${bytes}] = {\n${body}\n};\n")
