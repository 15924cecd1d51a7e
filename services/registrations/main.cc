#include "services/registrations/process.h"

int main(int argc, char** argv) {
  return coopnet::service::Run(argc, argv, coopnet::registrations::Definition());
}
