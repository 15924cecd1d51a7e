#include "services/organisations/process.h"

int main(int argc, char** argv) {
  return coopnet::service::Run(argc, argv, coopnet::organisations::Definition());
}
