# Writes OUT: a C array of {name, sql} for every migration file, in order.
# FILES comes comma-separated (see CMakeLists.txt).
string(REPLACE "," ";" FILES "${FILES}")
file(WRITE ${OUT} "/* generated from server/sql by embed_sql.cmake */\n#include \"migrate.h\"\nconst struct migration migrations[] = {\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  file(READ ${f} body HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" body "${body}")
  # split the literal so no line gets too long for tools
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n  \"" body "${body}")
  file(APPEND ${OUT} "  {\"${name}\",\n  \"${body}\"},\n")
endforeach()
file(APPEND ${OUT} "  {0, 0}\n};\n")
