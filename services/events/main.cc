#include "services/events/process.h"

int main(int argc, char** argv) {
  return coopnet::service::Run(argc, argv, coopnet::events::Definition());
}
