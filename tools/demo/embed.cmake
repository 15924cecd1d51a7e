# Writes IN (the demo script) into OUT as coopnet::demo::kDemoScript.
file(READ ${IN} text)
file(WRITE ${OUT} "namespace coopnet::demo {\nextern const char kDemoScript[];\nconst char kDemoScript[] = R\"coopnetdemo(${text})coopnetdemo\";\n}  // namespace coopnet::demo\n")
