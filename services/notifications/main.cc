#include "services/notifications/process.h"

int main(int argc, char** argv) {
  return coopnet::service::Run(argc, argv, coopnet::notifications::Definition());
}
